import { test, expect } from "@playwright/test";
import { PASSWORD } from "./helpers";

test("pages carry a nonce-based CSP and the other security headers", async ({ request }) => {
  const res = await request.get("/login");
  const h = res.headers();
  const csp = h["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  expect(await res.text()).toContain(`nonce="${nonce}"`);
  expect(h["x-content-type-options"]).toBe("nosniff");
  expect(h["referrer-policy"]).toBe("same-origin");
});

test("a forged cross-site login is refused and the cookie is strict", async ({ request, baseURL }) => {
  const forged = await request.post("/api/auth_login", {
    headers: { Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" },
    form: { username: "adm_561403", password: PASSWORD },
  });
  expect(forged.status()).toBe(403);
  expect(forged.headers()["set-cookie"]).toBeUndefined();

  const real = await request.post("/api/auth_login", {
    headers: { Origin: baseURL!, "Sec-Fetch-Site": "same-origin", Accept: "application/json" },
    form: { username: "adm_561403", password: PASSWORD },
    maxRedirects: 0,
  });
  expect(real.status()).toBeLessThan(400);
  const cookie = real.headers()["set-cookie"];
  expect(cookie).toContain("sakti_sesi=");
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Strict");
});
