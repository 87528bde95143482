import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import Organization from '#orgs/models/organization'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { billingProfile, issuedAt } from '#tests/helpers/billing'
import { fieldErrorOf, flashOf } from '#tests/helpers/orgs'
import { NAME_COURSE_NUMBER_QR } from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'

/*
| A monthly spend cap: set on the billing page; when it blocks, a job that
| would take the month's bill above it is refused (E_SPEND_CAP) through
| the API and the web form, its dry run says so; within it, issuing goes on.
*/

const people = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    recipient_name: `Learner ${index + 1}`,
    recipient_email: `learner${index + 1}@example.com`,
    course_name: 'Pottery',
  }))

test.group('Billing: spend cap', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the owner sets a ₹1,000 cap that blocks; a 20-certificate job on top of this month’s fee and 30 certificates (₹825) is refused 403 E_SPEND_CAP with both figures, its dry run says so, 5 certificates are within the cap', async ({
    client,
    assert,
  }) => {
    const { org: created, owner } = await givenOrg()
    const org = await billingProfile(created, {
      createdAt: '2026-01-05T10:00:00Z',
      state: 'Karnataka',
    })
    await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
    await issuedAt(org, DateTime.utc().minus({ minutes: 5 }).toISO()!, 30)

    const bad = await actingAs(client.put('/billing/spend-controls'), owner, org)
      .form({ monthly_spend_cap_rupees: '1000', usage_alert_percents: '80, x' })
      .withCsrfToken()
      .redirects(0)
    assert.equal(
      fieldErrorOf(bad, 'usage_alert_percents'),
      'Write up to five whole percentages from 1 to 1000, separated by commas, like 80, 100.'
    )
    const saved = await actingAs(client.put('/billing/spend-controls'), owner, org)
      .form({
        monthly_spend_cap_rupees: '1000',
        spend_cap_blocks: '1',
        usage_alert_percents: '100, 50',
      })
      .withCsrfToken()
      .redirects(0)
    assert.equal(flashOf(saved, 'success'), 'Spend cap and alerts saved.')
    const capped = await Organization.findOrFail(org.id)
    assert.equal(capped.monthlySpendCapPaise, 100_000)
    assert.isTrue(capped.spendCapBlocks)
    assert.equal(capped.usageAlertPercents, '50,100')

    const { secret } = await givenApiKey(capped)
    const { template } = await givenTemplate(capped, { fields: NAME_COURSE_NUMBER_QR })
    // So far: 39,900 + 30,000 = 69,900 + 9 % + 9 % → 82,482 → ₹825. 20 more: 20,000 + 3,600 = ₹236 → ₹1,061 > ₹1,000.
    const dry = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(20), dry_run: true })
    dry.assertStatus(200)
    assert.equal(dry.body().blocked.code, 'E_SPEND_CAP')
    const refused = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(20) })
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_SPEND_CAP')
    assert.include(refused.body().errors[0].message, 'from ₹825.00 to ₹1,061.00')
    assert.include(refused.body().errors[0].message, 'monthly spend cap of ₹1,000.00')
    const jobs = await db.from('certificate_generation_jobs').where('organization_id', org.id)
    assert.lengthOf(jobs, 0)

    const within = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(5), start: false })
    within.assertStatus(202)

    const page = await actingAs(client.get('/billing'), owner, org)
    assert.include(
      page.text(),
      'id="spend-so-far">₹825.00</strong> of a ₹1,000.00 cap, which stops new certificates when reached'
    )
  })

  test('a cap that only warns refuses nothing', async ({ client }) => {
    const { org: created } = await givenOrg()
    const org = await billingProfile(created, { createdAt: '2026-01-05T10:00:00Z' })
    await db
      .from('organizations')
      .where('id', org.id)
      .update({ billing_status: 'active', monthly_spend_cap_paise: 100, spend_cap_blocks: false })
    const { secret } = await givenApiKey(org)
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const created2 = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(3), start: false })
    created2.assertStatus(202)
  })
})
