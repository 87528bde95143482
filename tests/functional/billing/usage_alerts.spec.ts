import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { QueueWorker } from '#core/queue/worker'
import Organization from '#orgs/models/organization'
import { givenOrg } from '#tests/helpers/given'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import { mailbox } from '#tests/helpers/smtp_server'
import SendUsageAlerts from '#billing/actions/send_usage_alerts'

/*
| Usage alerts: this month's bill against the org's spend cap, the trial's
| free certificates used, each percentage mailed once a month to the
| billing contacts.
*/

test.group('Billing: usage alerts', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => mailbox.clear())

  test('a ₹1,000 cap with alerts at 50 % and 100 %: a ₹825 month mails the 50 % alert once; the trial’s 80 % alert when 8 of 10 free certificates are used', async ({
    assert,
  }) => {
    const now = DateTime.utc()
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, {
      createdAt: '2026-01-05T10:00:00Z',
      state: 'Karnataka',
    })
    await db.from('organizations').where('id', org.id).update({
      billing_status: 'active',
      monthly_spend_cap_paise: 100_000,
      usage_alert_percents: '50,100',
    })
    await issuedAt(org, now.minus({ minutes: 5 }).toISO()!, 30)

    const { org: trialing, owner: trialOwner } = await givenOrg({ billing: 'trialing' })
    await billingProfile(trialing, {
      createdAt: now.minus({ days: 2 }).toISO()!,
      trialEndsAt: now.plus({ days: 5 }).toISO()!,
    })
    await issuedAt(trialing, now.minus({ hours: 1 }).toISO()!, 8)

    assert.equal(await SendUsageAlerts.handle(now), 2)
    assert.equal(await SendUsageAlerts.handle(now.plus({ hours: 1 })), 0)
    await QueueWorker.drain({ lanes: 1 })

    const capped = await Organization.findOrFail(org.id)
    const spend = await mailbox.waitFor(owner.email, /monthly spend cap/)
    assert.equal(spend.subject, `${capped.name} has reached 50% of its monthly spend cap`)
    assert.include(spend.text, 'This month’s bill has come to ₹825.00 (with GST)')
    assert.include(spend.text, 'The cap only warns: issuing goes on.')
    const trial = await mailbox.waitFor(trialOwner.email, /free certificates/)
    assert.include(trial.subject, 'has used 80% of its trial’s free certificates')
    assert.include(trial.text, 'has issued 8 of the 10 certificates its trial covers')
    const rows = await db
      .from('billing_usage_alerts')
      .whereIn('organization_id', [org.id, trialing.id])
      .orderBy('kind')
    assert.deepEqual(
      rows.map((row) => [row.kind, Number(row.percent), row.sent_to !== null]),
      [
        ['spend_cap', 50, true],
        ['trial_certificates', 80, true],
      ]
    )
  })
})
