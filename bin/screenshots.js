#!/usr/bin/env node
/*
| `npm run screenshots`: the README's pictures, taken in headless Chromium
| (playwright-core, the browser tests' tooling) from the demo app, so they never
| go stale. Writes docs/screenshots/*.png.
|
| By default it starts a throwaway demo of its own: the migrations and the demo
| seed `npm start` runs, on a fresh SQLite file and storage folder under
| tmp/screenshots/, on a free port; nothing of yours (.env, tmp/authentix.sqlite3,
| storage/) is read or written. `--url=http://localhost:3333` uses a running app
| instead, signed in as SCREENSHOT_EMAIL / SCREENSHOT_PASSWORD (default: the demo
| owner and DEMO_OWNER_PASSWORD from the environment or .env); it generates one
| more job there.
|
| It walks the app as a person does, by clicking: dashboard → Templates →
| Design fields; Generation jobs → Generate certificates → preflight → the job
| page until it completes → its certificates → one certificate, whose
| verification link is then opened on a phone-sized screen (390 px wide).
| CHROMIUM_PATH overrides /usr/bin/chromium.
*/
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { parseEnv } from './env_text.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const outDir = join(root, 'docs', 'screenshots')
const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }
const HEALTH_TIMEOUT_MS = 120_000
const JOB_TIMEOUT_MS = 180_000

function say(line = '') {
  process.stdout.write(`${line}\n`)
}

/** KEY=VALUE lines of an env file ({} when absent), as bin/start.js reads them. */
function envFile(name) {
  const path = join(root, name)
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {}
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function healthy(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) })
    return response.ok
  } catch {
    return false
  }
}

/** A demo app of our own: fresh database and storage, the demo org seeded, the web process running. */
async function startDemo() {
  const work = join(root, 'tmp', 'screenshots')
  rmSync(work, { recursive: true, force: true })
  mkdirSync(join(work, 'storage'), { recursive: true })
  const port = await freePort()
  const password = randomBytes(12).toString('base64url')
  const env = {
    ...process.env,
    ...envFile('.env.example'),
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    APP_KEY: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'warn',
    DB_CONNECTION: 'sqlite',
    SQLITE_PATH: join(work, 'demo.sqlite3'),
    DRIVE_DISK: 'fs',
    STORAGE_PATH: join(work, 'storage'),
    DEMO_OWNER_PASSWORD: password,
  }
  for (const args of [['migration:run', '--force'], ['db:seed']]) {
    const result = spawnSync(process.execPath, ['ace', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    if (result.status !== 0) throw new Error(`node ace ${args.join(' ')} failed`)
  }
  const server = spawn(
    process.execPath,
    ['--import=ts-node-maintained/register/esm', 'bin/server.ts'],
    { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] }
  )
  const url = env.APP_URL
  const deadline = Date.now() + HEALTH_TIMEOUT_MS
  while (!(await healthy(`${url}/healthz`))) {
    if (server.exitCode !== null) throw new Error('the demo server stopped while starting')
    if (Date.now() > deadline) {
      server.kill('SIGTERM')
      throw new Error(`the demo server did not answer ${url}/healthz in time`)
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  const stop = () =>
    new Promise((resolve) => {
      const done = () => {
        rmSync(work, { recursive: true, force: true })
        resolve()
      }
      if (server.exitCode !== null) return done()
      server.once('exit', done)
      server.kill('SIGTERM')
    })
  return { url, email: 'owner@demo.test', password, stop }
}

function runningApp(url) {
  const dotenv = envFile('.env')
  const password =
    process.env.SCREENSHOT_PASSWORD ??
    process.env.DEMO_OWNER_PASSWORD ??
    dotenv.DEMO_OWNER_PASSWORD ??
    ''
  if (!password) throw new Error('set SCREENSHOT_PASSWORD (or DEMO_OWNER_PASSWORD) to sign in')
  return {
    url: url.replace(/\/$/, ''),
    email: process.env.SCREENSHOT_EMAIL ?? 'owner@demo.test',
    password,
    stop: async () => {},
  }
}

async function shoot(page, name) {
  const path = join(outDir, `${name}.png`)
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
  say(`  ${name}.png  ${Math.round(statSync(path).size / 1024)} KB`)
}

/** Waits until every <img> on the page has loaded (or failed), so no picture is half drawn. */
async function imagesLoaded(page) {
  await page.waitForFunction(() =>
    [...document.images].every((img) => img.complete || img.loading === 'lazy')
  )
}

const sidebar = (page) => page.getByRole('navigation', { name: 'Main' })

async function takeAll(app) {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
  })
  try {
    const desktop = await browser.newContext({ baseURL: app.url, viewport: DESKTOP })
    const page = await desktop.newPage()
    page.setDefaultTimeout(30_000)

    await page.goto('/login')
    await page.getByLabel('Email').fill(app.email)
    await page.getByLabel('Password').fill(app.password)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL('**/dashboard')
    await imagesLoaded(page)
    await shoot(page, 'dashboard')

    // The designer, reached from the templates list, with the recipient's name selected.
    await sidebar(page).getByRole('link', { name: 'Templates' }).click()
    await page.waitForURL('**/templates')
    await page.getByRole('link', { name: 'Design fields' }).first().click()
    await page.locator('[data-page="designer"][data-page-mounted]').waitFor()
    await page.locator('.designer-field').first().waitFor()
    await page.locator('#field-list button').first().click()
    await imagesLoaded(page)
    await page.evaluate(() => window.scrollTo(0, 0))
    await shoot(page, 'designer')

    // A job over the demo list, from the form to its completed page.
    await sidebar(page).getByRole('link', { name: 'Generation jobs' }).click()
    await page.waitForURL('**/generation-jobs')
    await page.getByRole('link', { name: 'Generate certificates' }).first().click()
    await page.waitForURL('**/generation-jobs/new')
    await page.getByRole('checkbox').first().check()
    const lists = page.getByLabel('Recipient list')
    const firstList = await lists.locator('option:not([value=""])').first().getAttribute('value')
    await lists.selectOption(firstList)
    await page.getByLabel('Name of this job').fill('Batch 14 completion')
    await page.getByRole('button', { name: 'Check and continue' }).click()
    await page.locator('#preflight').waitFor()
    await page.getByRole('button', { name: /^Generate \d+ certificates?$/ }).click()
    await page.waitForURL(/\/generation-jobs\/[0-9a-f-]{36}$/)
    await page.locator('#job-status [data-status="completed"]').waitFor({ timeout: JOB_TIMEOUT_MS })
    await imagesLoaded(page)
    await shoot(page, 'generation-job')

    // One certificate of the job, then its public page on a phone.
    await page.getByRole('link', { name: 'See its certificates' }).click()
    await page.waitForURL(/\/certificates\?generation_job_id=/)
    const rows = page.locator('#certificates-table tr[data-certificate-id]')
    // A Latin name: the picture must not depend on the Indic fonts of the machine taking it
    // (the verify page uses the phone's own fonts; the certificates embed theirs).
    const aarav = rows.filter({ hasText: 'Aarav Sharma' })
    const row = (await aarav.count()) ? aarav.first() : rows.first()
    await row.getByRole('link').first().click()
    await page.waitForURL(/\/certificates\/[0-9a-f-]{36}$/)
    const verifyUrl = await page.locator('#verification-url').getAttribute('href')

    const phone = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    })
    const phonePage = await phone.newPage()
    // As a phone's camera opens the QR code's link.
    await phonePage.goto(verifyUrl)
    await phonePage.locator('#verify-status').waitFor()
    await imagesLoaded(phonePage)
    await shoot(phonePage, 'verify-phone')
  } finally {
    await browser.close()
  }
}

const urlArg = process.argv.find((arg) => arg.startsWith('--url='))
mkdirSync(outDir, { recursive: true })
const app = urlArg ? runningApp(urlArg.slice('--url='.length)) : await startDemo()
say(`Screenshots of ${app.url} into docs/screenshots/`)
try {
  await takeAll(app)
} catch (error) {
  process.exitCode = 1
  say(`Screenshots failed: ${error.message}`)
} finally {
  await app.stop()
}
