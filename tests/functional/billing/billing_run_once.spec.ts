import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import type Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import { removeOrgData } from '#tests/helpers/certificates_cleanup'
import { exitOf, sleep, spawned } from '#tests/helpers/processes'
import CloseBillingPeriod from '#billing/actions/close_billing_period'
import RunBilling from '#billing/actions/run_billing'
import { billingMonthNamed, billingMonthOf } from '#billing/services/billing_periods'
import { DateTime } from 'luxon'

/*
| Never twice: runs at once, runs again and a run killed mid-way leave
| exactly what one clean run leaves, and invoice numbers stay gapless
| under concurrency. Committed data (runs at once need connections of
| their own), removed after each test.
*/

const OCTOBER = billingMonthNamed('2026-10')!

async function invoicesOf(orgIds: string[]) {
  return db
    .from('billing_invoices')
    .whereIn('organization_id', orgIds)
    .orderBy('invoice_number')
    .select('organization_id', 'invoice_number', 'total_paise', 'period_start')
}

test.group('Billing run: never twice (committed)', (group) => {
  const orgs: Organization[] = []
  group.each.teardown(async () => {
    for (const org of orgs.splice(0)) {
      await removeOrgData(org.id)
      // Gone before any month a later run could close: no other test's run bills it.
      await db
        .from('organizations')
        .where('id', org.id)
        .update({ deleted_at: '2000-01-01 00:00:00' })
    }
  })

  async function billedOrg(name: string, certificates: number) {
    const { org: created } = await givenOrg({ name })
    orgs.push(created)
    const org = await billingProfile(created, {
      createdAt: '2026-02-01T10:00:00Z',
      state: orgs.length % 2 ? 'Karnataka' : 'Tamil Nadu',
    })
    await issuedAt(org, '2026-10-12T08:00:00Z', certificates)
    return org
  }

  test('two closes of each org at once, then a whole run again: one invoice per org, numbered 000001, nothing else written', async ({
    assert,
  }) => {
    const billed = await Promise.all([1, 2, 3].map((n) => billedOrg(`Twice ${n}`, n * 7)))
    const outcomes = await Promise.all(
      billed.flatMap((org) => [
        CloseBillingPeriod.handle(org, OCTOBER),
        CloseBillingPeriod.handle(org, OCTOBER),
      ])
    )
    assert.deepEqual(outcomes.map((outcome) => outcome.kind).sort(), [
      'already_closed',
      'already_closed',
      'already_closed',
      'invoiced',
      'invoiced',
      'invoiced',
    ])
    const first = await invoicesOf(billed.map((org) => org.id))
    assert.lengthOf(first, 3)
    for (const invoice of first) assert.match(invoice.invoice_number, /-000001$/)
    for (const org of billed) {
      const again = await RunBilling.handle(OCTOBER, { slug: org.slug })
      assert.equal(again.alreadyClosed, 1)
      assert.equal(again.invoiced, 0)
    }
    assert.deepEqual(await invoicesOf(billed.map((org) => org.id)), first)
    const jobs = await db
      .from('queue_jobs')
      .where('kind', 'billing.render_invoices')
      .whereIn(
        'organization_id',
        billed.map((org) => org.id)
      )
    assert.lengthOf(jobs, 3)
  })

  test('200 months of one org closed at once: invoices 000001 to 000200, gapless, each number once', async ({
    assert,
  }) => {
    const { org: created } = await givenOrg({ name: 'Numbered' })
    orgs.push(created)
    const org = await billingProfile(created, { createdAt: '2005-01-01T00:00:00Z' })
    const months = Array.from({ length: 200 }, (_, index) =>
      billingMonthOf(DateTime.fromISO('2005-03-15T00:00:00Z').plus({ months: index }))
    )
    const outcomes = await Promise.all(months.map((month) => CloseBillingPeriod.handle(org, month)))
    assert.isTrue(outcomes.every((outcome) => outcome.kind === 'invoiced'))
    const invoices = await invoicesOf([org.id])
    const numbers = invoices.map((invoice) => invoice.invoice_number)
    const code = numbers[0].split('-')[1]
    assert.deepEqual(
      numbers,
      Array.from({ length: 200 }, (_, index) => `XEN-${code}-${String(index + 1).padStart(6, '0')}`)
    )
  }).timeout(120_000)

  test('`node ace billing:run` SIGKILLed mid-run, then run again: the same invoices as one clean run would make, numbers gapless', async ({
    assert,
  }) => {
    const billed: Organization[] = []
    for (let n = 0; n < 40; n++) billed.push(await billedOrg(`Killed ${n}`, 1 + (n % 9)))
    const expected = new Map<string, number>()
    for (const org of billed) {
      const dry = await RunBilling.handle(OCTOBER, { slug: org.slug, dryRun: true })
      const outcome = dry.outcomes[0].outcome
      assert.equal(outcome.kind, 'would_invoice')
      if (outcome.kind === 'would_invoice') expected.set(org.id, outcome.totalPaise)
    }

    const run = () =>
      spawned(['ace', 'billing:run', '--period=2026-10'], {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        // Small transactions, so the kill lands between some of them.
        BILLING_RUN_BATCH: '3',
      })
    const first = run()
    const ids = billed.map((org) => org.id)
    const started = Date.now()
    const invoicedSoFar = async () => {
      const rows = await invoicesOf(ids)
      return rows.length
    }
    while ((await invoicedSoFar()) < 5 && Date.now() - started < 60_000) await sleep(20)
    first.child.kill('SIGKILL')
    await exitOf(first)
    const partial = await invoicedSoFar()
    assert.isBelow(partial, 40, 'the first run was killed before it finished')

    const second = run()
    const exit = await exitOf(second, 120_000)
    assert.equal(exit.code, 0, second.output())
    const invoices = await invoicesOf(ids)
    assert.lengthOf(invoices, 40)
    for (const invoice of invoices) {
      assert.match(invoice.invoice_number, /-000001$/)
      assert.equal(Number(invoice.total_paise), expected.get(invoice.organization_id))
    }
  }).timeout(180_000)
})
