import { test, expect, Page } from "@playwright/test";
import { coolDown, hydrated, login, newest, nextCode } from "./helpers";

// The rough edges a new user ran into (issue 11), each as that user meets it. Runs after
// devices.spec.ts, which recorded the PPK of satker 527010 (BARU, number +6281355500002).

const PHONE = { width: 390, height: 844 };
const PPK_HP = "+6281355500002";

function row(page: Page, nama: string) {
  return page.getByRole("table", { name: "Tabel Pejabat" }).getByRole("row", { name: new RegExp(nama) });
}

test.describe.configure({ mode: "serial" });

test("on a phone a pejabat sees its own step at once, under a header of at most a fifth of the screen", async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({ viewport: PHONE, hasTouch: true });
  const [ppk, hp] = [await context.newPage(), await context.newPage()];

  await login(ppk, "val_ppk527010");
  // its own card is selected without a tap, and its step's button shows
  await expect(row(ppk, "PPK Kanwil DJKN DKI")).toHaveAttribute("aria-selected", "true");
  const verify = ppk.getByRole("button", { name: "Verifikasi No. HP" });
  await expect(verify).toBeVisible();
  await expect(verify).toBeInViewport();
  const header = await ppk.locator("header.topbar").boundingBox();
  expect(header!.height, `header ${header!.height}px of ${PHONE.height}px`).toBeLessThanOrEqual(PHONE.height / 5);

  // the number is verified; the countdown never starts above the code's two minutes
  // (devices.spec.ts asked for a code a moment ago: its cool-down is over)
  coolDown(PPK_HP);
  await verify.click();
  const d = ppk.getByRole("dialog", { name: "Verifikasi No. HP" });
  const before = await newest(hp, PPK_HP);
  await d.getByRole("button", { name: "Request OTP", exact: true }).click();
  const validity = await d.getByText(/Kode berlaku \d\d:\d\d/).innerText();
  const [, mm, ss] = /(\d\d):(\d\d)/.exec(validity)!;
  expect(Number(mm) * 60 + Number(ss), validity).toBeLessThanOrEqual(120);
  const code = await nextCode(hp, PPK_HP, before);
  await d.getByLabel("OTP").fill(code);
  await d.getByRole("button", { name: "Proses" }).click();
  await expect(d).toBeHidden();
  await expect(row(ppk, "PPK Kanwil DJKN DKI")).toContainText("VERIFIKASI PEJABAT");

  // on /hp each number is a button to assistive technology, not a list item
  await expect(hp.getByRole("button", { name: PPK_HP })).toBeVisible();
  await expect(hp.locator(".numbers button[role]")).toHaveCount(0);
  await expect(hp.getByRole("list", { name: "Nomor yang menerima SMS" }).getByRole("listitem").first()).toBeVisible();
  await context.close();
});

test("a KPA not yet AKTIF is shown why it cannot send data or request its code yet", async ({ page }) => {
  await login(page, "apr_kpa527010");
  // its own reference (BARU, bundle not accepted): Request OTP shows, disabled, with the reason
  await expect(row(page, "KPA Kanwil DJKN DKI")).toHaveAttribute("aria-selected", "true");
  await expect(page.getByRole("button", { name: "Request OTP" })).toBeDisabled();
  await expect(page.getByText("Berkas aktivasi pejabat ini belum diterima CSO KPPN.")).toBeVisible();
  // the PPK it would send: Kirim Data shows, disabled, with the reason beside it
  await row(page, "PPK Kanwil DJKN DKI").click();
  const kirim = page.getByRole("button", { name: "Kirim Data" });
  await expect(kirim).toBeDisabled();
  await expect(page.getByText("OTP KPA belum aktif. Aktifkan OTP KPA bersama CSO KPPN sebelum Kirim Data.")).toBeVisible();
  await expect(kirim).toHaveAttribute("aria-describedby", "alasan-langkah");
});

test("dates are typed day first on every browser", async ({ page }) => {
  await login(page, "adm_527010");
  await page.getByRole("button", { name: "+ Rekam" }).click();
  const d = page.getByRole("dialog", { name: "Rekam Referensi Pejabat" });
  for (const label of ["Tanggal Lahir", "Tanggal SK"]) {
    await expect(d.getByLabel(label)).toHaveAttribute("type", "text");
    await expect(d.getByLabel(label)).toHaveAttribute("placeholder", "hh/bb/tttt");
  }
  // month first is refused with the format to use
  await d.getByLabel("Tanggal Lahir").fill("08/17/1980");
  await d.getByRole("button", { name: "Simpan" }).click();
  await expect(d.getByText(/Tanggal lahir bukan tanggal yang valid; tulis seperti 17\/08\/1985/)).toBeVisible();
  await page.keyboard.press("Escape");
  await page.goto("/audit");
  await hydrated(page);
  await expect(page.getByLabel("Dari tanggal")).toHaveAttribute("placeholder", "hh/bb/tttt");
  await expect(page.locator('input[type="date"]')).toHaveCount(0);
});

test("a file over 10 MB is refused with a message, in the browser and by the server", async ({ page }) => {
  await login(page, "adm_527010");
  await page.goto("/berkas");
  await hydrated(page);
  const card = page.getByRole("article", { name: "Berkas KPA Kanwil DJKN DKI" });
  const big = { name: "besar.pdf", mimeType: "application/pdf", buffer: Buffer.alloc(11 * 1024 * 1024, 0x20) };
  await card.getByLabel("PDF bundel KPA Kanwil DJKN DKI (KPA)").setInputFiles(big);
  // checked before sending: the message at once, Unggah disabled
  await expect(card.getByRole("alert")).toHaveText("Ukuran berkas melebihi 10 MB. Pindai ulang dengan resolusi lebih rendah.");
  await expect(card.getByRole("button", { name: "Unggah" })).toBeDisabled();
  // a browser that sends it anyway (no WASM, or an old page) reads the server's refusal
  // instead of "connection reset"
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/berkas")),
    // submit() skips the page's own check, as a browser without the WASM would
    card.locator("form").evaluate((f: HTMLFormElement) => void setTimeout(() => f.submit(), 0)),
  ]);
  expect(answer.status()).toBe(413);
  await expect(page.getByRole("alert")).toHaveText("Ukuran berkas melebihi 10 MB. Pindai ulang dengan resolusi lebih rendah.");
  await page.getByRole("link", { name: "Kembali ke Berkas & Jadwal" }).click();
  await expect(page.getByText("Ukuran berkas melebihi 10 MB")).toBeVisible();
  await expect(card.getByText("Belum ada berkas.")).toBeVisible();
});
