import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { dbTimestamp } from '#core/services/database_time'
import { actingAs, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { NAME_COURSE_NUMBER_QR, recipientsCsv } from '#tests/helpers/certificates'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import { tokenOf, givenIssued } from '#tests/helpers/verification'
import { flashOf } from '#tests/helpers/flash'
import { billingProfile } from '#tests/helpers/billing'

/*
| What issuing will cost before anything is issued (`dry_run`), and the one
| refusal issuing has today: a suspended or closed account. The trial's
| free certificates come first, the rest at the certificate fee in force,
| with GST as the invoice will charge it.
*/

const people = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    recipient_name: `Learner ${index + 1}`,
    recipient_email: `learner${index + 1}@example.com`,
    course_name: 'Pottery',
  }))

async function rowCount(table: string, organizationId: string) {
  const row = await db
    .from(table)
    .where('organization_id', organizationId)
    .count('* as total')
    .first()
  return Number(row.total)
}

test.group('Billing: what issuing will cost (dry_run)', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a trial covers its free certificates first: 8 of 10 issued, 5 more are 2 free and 3 billed at 1,000 paise with 18 % GST, which a trialing org may not issue (blocked E_TRIAL_EXHAUSTED); nothing is created', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ billing: 'trialing' })
    const { secret } = await givenApiKey(org)
    // Eight certificates issued during the trial, as issuing records each (one usage event apiece).
    await db.table('billing_usage_events').multiInsert(
      Array.from({ length: 8 }, () => ({
        id: randomUUID(),
        organization_id: org.id,
        event_type: 'certificate_issued',
        occurred_at: dbTimestamp(),
        quantity: 1,
        metadata: JSON.stringify({}),
        created_at: dbTimestamp(),
      }))
    )
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const jobsBefore = await rowCount('certificate_generation_jobs', org.id)
    const importsBefore = await rowCount('file_import_jobs', org.id)

    const quote = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(5), dry_run: true })
    quote.assertStatus(200)
    const { blocked, ...priced } = quote.body()
    assert.equal(blocked.code, 'E_TRIAL_EXHAUSTED')
    assert.include(blocked.message, 'trial covers 2 more free certificates and this job has 5')
    assert.deepEqual(priced, {
      certificates: 5,
      billable_certificates: 3,
      free_certificates: 2,
      trial_certificates_left: 2,
      certificate_fee_paise: 1_000,
      amount_paise: 3_000,
      tax_paise: 540,
      total_paise: 3_540,
      currency: 'INR',
    })
    assert.equal(await rowCount('certificate_generation_jobs', org.id), jobsBefore)
    assert.equal(await rowCount('file_import_jobs', org.id), importsBefore)
  })

  test('a list’s valid rows times its templates are counted; a paying org’s certificates are all billed, at its override’s fee where one is in force', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    // Paying, its trial long over.
    await billingProfile(org, { createdAt: '2026-01-05T10:00:00Z' })
    await db.from('organizations').where('id', org.id).update({ billing_status: 'active' })
    await db.table('organization_pricing_overrides').insert({
      id: randomUUID(),
      organization_id: org.id,
      effective_from: '2020-01-01',
      certificate_fee_paise: 750,
      created_at: new Date(),
    })
    const { secret } = await givenApiKey(org)
    const first = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const second = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(4))
    const quote = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({
        template_ids: [first.template.id, second.template.id],
        import_id: list.id,
        dry_run: true,
      })
    quote.assertStatus(200)
    assert.containsSubset(quote.body(), {
      certificates: 8,
      billable_certificates: 8,
      free_certificates: 0,
      trial_certificates_left: 0,
      certificate_fee_paise: 750,
      amount_paise: 6_000,
      tax_paise: 1_080,
      total_paise: 7_080,
    })
  })

  test('an org that paid during its trial keeps the free certificates its trial still covers, as its invoice will', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg({ billing: 'paying' })
    assert.equal(org.billingStatus, 'active')
    const { secret } = await givenApiKey(org)
    const template = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(12))
    const quote = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.template.id], import_id: list.id, dry_run: true })
    quote.assertStatus(200)
    assert.containsSubset(quote.body(), {
      certificates: 12,
      free_certificates: 10,
      billable_certificates: 2,
      trial_certificates_left: 10,
      amount_paise: 2_000,
    })
    assert.notProperty(quote.body(), 'blocked')
  })

  test('a dry run checks what a real create checks: a bad recipient is the same 422, naming the row', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { secret } = await givenApiKey(org)
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const refused = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({
        template_ids: [template.id],
        recipients: [...people(1), { recipient_name: 'Ravi', recipient_email: 'not-an-email' }],
        dry_run: true,
      })
    refused.assertStatus(422)
    assert.equal(refused.body().errors[0].field, 'recipients.1.recipient_email')
  })
})

test.group('Billing: a suspended account issues nothing new', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('its jobs are refused 403 E_BILLING_SUSPENDED (the dry run says so as `blocked`), the web form says why, and its issued certificates still verify', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const [issued] = await givenIssued(org)
    const { secret } = await givenApiKey(org)
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(2))
    await db.from('organizations').where('id', org.id).update({ billing_status: 'suspended' })

    const refused = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], recipients: people(2) })
    refused.assertStatus(403)
    assert.equal(refused.body().errors[0].code, 'E_BILLING_SUSPENDED')
    assert.include(refused.body().errors[0].message, 'still verify')
    const quote = await client
      .post('/api/v1/generation-jobs')
      .bearerToken(secret)
      .json({ template_ids: [template.id], import_id: list.id, dry_run: true })
    quote.assertStatus(200)
    assert.equal(quote.body().blocked.code, 'E_BILLING_SUSPENDED')

    const jobsBefore = await rowCount('certificate_generation_jobs', org.id)
    const page = await actingAs(
      client
        .post('/generation-jobs')
        .form({
          template_ids: [template.id],
          import_id: list.id,
          issue_date: '2026-03-15',
          expiry_mode: 'none',
          start: 'now',
        })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    page.assertStatus(302)
    const flashed = flashOf(page).billing_refusal
    assert.equal(flashed.code, 'E_BILLING_SUSPENDED')
    assert.include(flashed.message, 'account is suspended')
    assert.equal(await rowCount('certificate_generation_jobs', org.id), jobsBefore)

    const verified = await client.get(`/api/v1/verify/${tokenOf(issued)}`)
    verified.assertStatus(200)
    assert.equal(verified.body().status, 'valid')
  })
})
