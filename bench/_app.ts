/*
| What the bench processes share inside the app (bench/_harness.js starts
| them): the app booted as a console process, the bench org, and the
| resident memory of the processes a run started.
*/
import 'reflect-metadata'
import { readdirSync, readFileSync } from 'node:fs'
import { Ignitor } from '@adonisjs/core'

/** The app, booted (database and storage as the environment the harness sets). */
export async function bootApp() {
  const root = new URL('../', import.meta.url)
  const app = new Ignitor(root, {
    importer: (filePath) =>
      filePath.startsWith('./') || filePath.startsWith('../')
        ? import(new URL(filePath, root).href)
        : import(filePath),
  })
    .tap((a) => a.booting(async () => void (await import('#start/env'))))
    .createApp('console')
  await app.init()
  await app.boot()
  return app
}

/** The taxonomy seeded and an org signed up through the real actions. */
export async function benchOrg() {
  const { default: SeedTaxonomy } = await import('#orgs/actions/seed_taxonomy')
  const { default: SignUp } = await import('#orgs/actions/sign_up')
  await SeedTaxonomy.handle()
  const signed = await SignUp.handle({
    fullName: 'Bench Owner',
    email: `bench-${Date.now()}@example.test`,
    password: 'correct-horse-battery-staple',
    organizationName: 'Bench Academy',
  })
  if (signed.kind !== 'created') throw new Error('sign-up failed')
  // A paying org: a trialing one may issue only its 10 free certificates.
  await signed.org.merge({ billingStatus: 'active' }).save()
  return signed.org
}

/** Resident memory of the processes this one started (children only, not threads), MB. */
export function childrenRssMb() {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid !== process.pid) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))
      if (rss) total += Number(rss[1]) / 1024
    } catch {}
  }
  return total
}
