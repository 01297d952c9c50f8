import { test, expect, Page } from "@playwright/test";
import { createHmac } from "crypto";
import { coolDown, hydrated, login, sql, sqlValue } from "./helpers";

// The OTP dialog shows where the code's SMS is: the number it went to (masked), its state and
// its send time, live. Runs after devices.spec.ts, which recorded the PPK of satker 527010
// (BARU, number +6281355500002) and asked for its verification code on each device.

const PPK_HP = "+6281355500002";
const MASKED = "+62 813-****-0002";

test.describe.configure({ mode: "serial" });

test.beforeAll(() => {
  // devices.spec.ts sent this number up to three codes a few minutes ago: let them leave the
  // number's ten-minute window (three code SMS at most), as if the time had passed
  sql(`UPDATE sms_outbox SET created_at = created_at - interval '11 minutes' WHERE phone = '${PPK_HP}'`);
});

/** The PPK's own Verifikasi No. HP dialog. */
async function openDialog(page: Page) {
  await login(page, "val_ppk527010");
  await page.getByRole("button", { name: "Verifikasi No. HP" }).click();
  return page.getByRole("dialog", { name: "Verifikasi No. HP" });
}

/** A delivery report as a gateway posts it, signed with the shared secret. */
async function receipt(page: Page, outboxId: number, status: string) {
  const secret = process.env.RECEIPT_SECRET;
  if (!secret) throw new Error("RECEIPT_SECRET is not set (scripts/test.sh sets it)");
  const body = JSON.stringify({ reference: String(outboxId), status });
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex");
  return page.request.post("/api/sms/kuitansi", {
    data: body,
    headers: { "content-type": "application/json", "x-sakti-timestamp": ts, "x-sakti-signature": signature },
  });
}

/** The outbox id of the newest code SMS to the PPK: the gateway's `reference`. */
function newestCodeSms(): number {
  return Number(sqlValue(`SELECT id FROM sms_outbox WHERE phone = '${PPK_HP}' AND otp_code_id IS NOT NULL ORDER BY id DESC LIMIT 1`));
}

test("the dialog says terkirim, then diterima HP the moment the gateway reports delivery", async ({ page }) => {
  const dialog = await openDialog(page);
  // the code devices.spec.ts asked for reached the simulator: terkirim, to the masked number
  const state = dialog.getByRole("status").filter({ hasText: "SMS ke" });
  await expect(state).toContainText("terkirim");
  await expect(state).toContainText(`SMS ke ${MASKED}`);
  await expect(state).toContainText(/waktu kirim \d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB/);
  // the gateway's delivery report arrives: the open dialog changes by itself
  const answer = await receipt(page, newestCodeSms(), "DELIVERED");
  expect(answer.status(), await answer.text()).toBe(200);
  await expect(state).toContainText("diterima HP");
  await expect(state).toContainText("SMS kode telah diterima HP.");
  // a forged report is refused
  const forged = await page.request.post("/api/sms/kuitansi", {
    data: JSON.stringify({ reference: "1", status: "DELIVERED" }),
    headers: { "content-type": "application/json", "x-sakti-timestamp": "1", "x-sakti-signature": "00" },
  });
  expect(forged.status()).toBe(401);
});

test("when every gateway fails the dialog says gagal in plain words, not terkirim", async ({ browser }) => {
  test.setTimeout(120_000);
  const context = await browser.newContext();
  const [hp, page] = [await context.newPage(), await context.newPage()];
  // the phone simulator's gateway is down for this number
  await hp.goto("/hp");
  await hydrated(hp);
  await hp.getByLabel("Nomor HP").fill(PPK_HP);
  await hp.getByLabel("Nomor HP").blur();
  const down = hp.getByLabel(/Gateway gagal untuk nomor ini/);
  await down.check();
  await expect(down).toBeChecked();
  try {
    // the earlier code's cool-down is over
    coolDown(PPK_HP);
    const dialog = await openDialog(page);
    await dialog.getByRole("button", { name: "Request OTP", exact: true }).click();
    const state = dialog.getByRole("status").filter({ hasText: "SMS ke" });
    await expect(state).toContainText("gagal");
    await expect(state).toContainText("SMS kode gagal dikirim ke nomor ini.");
    await expect(state).not.toContainText("terkirim");
    // no countdown for a code that never arrived, and nothing to type
    const timer = dialog.getByRole("timer");
    await expect(timer).toHaveText("SMS kode tidak sampai; kode ini tidak dapat dipakai. Minta kode baru.");
    await expect(dialog.getByLabel("OTP")).toBeDisabled();
  } finally {
    await hp.bringToFront();
    await down.uncheck();
    await expect(down).not.toBeChecked();
    await context.close();
  }
});
