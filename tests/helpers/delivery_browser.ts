import type { Page } from 'playwright-core'

/** Settings → Delivery through the main navigation, as a signed-in member reaches it. */
export async function openDeliverySettings(page: Page) {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Delivery' })
    .click()
  await page.waitForURL('**/settings/delivery')
}

/**
 * Adds an SMTP integration through its form on Settings → Delivery (the
 * page must be open), plain connection to the stand-in on `port`, and
 * waits for the "added" message.
 */
export async function addSmtpIntegrationInForm(
  page: Page,
  options: { name: string; port: number; user?: string; password?: string }
) {
  await page.getByRole('link', { name: 'Add SMTP server' }).click()
  await page.waitForURL('**/settings/delivery/new?provider=smtp')
  await page.getByLabel('Name', { exact: true }).fill(options.name)
  await page.getByLabel('SMTP host').fill('127.0.0.1')
  await page.getByLabel('Port').fill(String(options.port))
  await page.getByLabel('Connection security').selectOption('none')
  if (options.user) await page.getByLabel('User name').fill(options.user)
  await page.getByLabel('From address').fill('certificates@acme.example')
  await page.getByLabel('From name').fill('Acme Academy')
  if (options.password) await page.getByLabel('Password').fill(options.password)
  await page.getByRole('button', { name: 'Add integration' }).click()
  await page.getByText(`Integration “${options.name}” added.`).waitFor()
}
