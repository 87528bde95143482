import type { Page } from 'playwright-core'
import { PASSWORD } from '#tests/helpers/given'

/** Fills the login form like a person and waits for the dashboard. */
export async function logInThroughForm(page: Page, email: string, password: string = PASSWORD) {
  if (!new URL(page.url()).pathname.startsWith('/login')) await page.goto('/login')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.waitForURL('**/dashboard')
}

/** The text of the main navigation's links, in order. */
export async function sidebarLinks(page: Page) {
  const linkTexts = await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link')
    .allInnerTexts()
  return linkTexts.map((text) => text.trim())
}
