import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { DateTime } from 'luxon'
import { QueueWorker } from '#core/queue/worker'
import { dbTimestamp } from '#core/services/database_time'
import type Organization from '#orgs/models/organization'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { givenApiKey } from '#tests/helpers/api_keys'
import { NAME_COURSE_NUMBER_QR, recipientsCsv } from '#tests/helpers/certificates'
import { flashOf } from '#tests/helpers/flash'
import { givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'
import {
  givenInvoice,
  givenOrder,
  eventOf,
  paymentEntity,
  postWebhook,
  signedWebhook,
  useRazorpaySettings,
} from '#tests/helpers/razorpay'
import { givenIssued, tokenOf } from '#tests/helpers/verification'

/*
| A trialing org has no payment method yet: it issues while its trial runs
| and only the certificates its free ones cover; a job beyond them, or any
| job once the trial ended, is refused (E_TRIAL_EXHAUSTED) until a payment
| makes the account active. What it issued still verifies and downloads.
*/

const people = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    recipient_name: `Learner ${index + 1}`,
    recipient_email: `learner${index + 1}@example.com`,
    course_name: 'Pottery',
  }))

async function jobCount(org: Organization) {
  const row = await db
    .from('certificate_generation_jobs')
    .where('organization_id', org.id)
    .count('* as total')
    .first()
  return Number(row.total)
}

async function trialEnded(org: Organization, at: string) {
  const when = DateTime.fromISO(at, { zone: 'utc' })
  await db
    .from('organizations')
    .where('id', org.id)
    .update({ trial_ends_at: dbTimestamp(db.connection(), when) })
}

function jobForm(templateId: string, importId: string) {
  return {
    template_ids: [templateId],
    import_id: importId,
    issue_date: '2026-03-15',
    expiry_mode: 'none',
    expiry_date: '',
    expiry_months: '',
    name: '',
    start: 'now',
  }
}

test.group(
  'Billing: a trial issues its free certificates, then nothing until a payment (API)',
  (group) => {
    group.each.setup(() => testUtils.db().withGlobalTransaction())

    test('a job within the free certificates is accepted (202); one more than they still cover is refused 403 E_TRIAL_EXHAUSTED saying how many, its dry run `blocked` alike; exactly what is left is accepted', async ({
      client,
      assert,
    }) => {
      const { org } = await givenOrg({ billing: 'trialing' })
      const { secret } = await givenApiKey(org)
      const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
      const post = (body: Record<string, unknown>) =>
        client.post('/api/v1/generation-jobs').bearerToken(secret).json(body)

      const first = await post({ template_ids: [template.id], recipients: people(7) })
      first.assertStatus(202)

      // The first job has not run yet: its 7 are held for it, so 3 are left.
      const dry = await post({ template_ids: [template.id], recipients: people(4), dry_run: true })
      dry.assertStatus(200)
      assert.equal(dry.body().blocked.code, 'E_TRIAL_EXHAUSTED')
      assert.include(
        dry.body().blocked.message,
        'trial covers 3 more free certificates and this job has 4'
      )
      assert.equal(dry.body().free_certificates, 3)

      const before = await jobCount(org)
      const refused = await post({ template_ids: [template.id], recipients: people(4) })
      refused.assertStatus(403)
      assert.equal(refused.body().errors[0].code, 'E_TRIAL_EXHAUSTED')
      assert.include(
        refused.body().errors[0].message,
        'trial covers 3 more free certificates and this job has 4'
      )
      assert.include(
        refused.body().errors[0].message,
        'Adding a prepaid balance or paying under Billing'
      )
      assert.include(refused.body().errors[0].message, 'Certificates already issued still verify')
      assert.equal(await jobCount(org), before)

      const rest = await post({ template_ids: [template.id], recipients: people(3) })
      rest.assertStatus(202)
    })

    test('once the trial has ended even one certificate is refused 403 E_TRIAL_EXHAUSTED naming the day, and a dry run says so', async ({
      client,
      assert,
    }) => {
      const { org } = await givenOrg({ billing: 'trialing', name: 'Acme Academy' })
      const { secret } = await givenApiKey(org)
      const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
      await trialEnded(org, '2026-12-03T10:00:00Z')

      const refused = await client
        .post('/api/v1/generation-jobs')
        .bearerToken(secret)
        .json({ template_ids: [template.id], recipients: people(1) })
      refused.assertStatus(403)
      assert.equal(refused.body().errors[0].code, 'E_TRIAL_EXHAUSTED')
      assert.include(
        refused.body().errors[0].message,
        'The trial of Acme Academy ended on 3 December 2026'
      )
      const dry = await client
        .post('/api/v1/generation-jobs')
        .bearerToken(secret)
        .json({ template_ids: [template.id], recipients: people(1), dry_run: true })
      dry.assertStatus(200)
      assert.equal(dry.body().blocked.code, 'E_TRIAL_EXHAUSTED')
      assert.equal(dry.body().free_certificates, 0)
    })

    test('a captured payment makes the account active and lifts it: the same org then issues any number', async ({
      client,
      assert,
    }) => {
      useRazorpaySettings({})
      const { org } = await givenOrg({ billing: 'trialing' })
      // Its trial ended long ago and its October invoice is issued, unpaid.
      const invoice = await givenInvoice(org)
      const { secret } = await givenApiKey(org)
      const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
      const post = () =>
        client
          .post('/api/v1/generation-jobs')
          .bearerToken(secret)
          .json({ template_ids: [template.id], recipients: people(12) })

      const refused = await post()
      refused.assertStatus(403)
      assert.equal(refused.body().errors[0].code, 'E_TRIAL_EXHAUSTED')

      const order = await givenOrder(org, invoice)
      const answer = await postWebhook(
        signedWebhook(
          eventOf({ event: 'payment.captured', payment: paymentEntity(order, 'captured') })
        )
      )
      assert.equal(answer.status, 200)
      await QueueWorker.drain({ lanes: 1 })
      await org.refresh()
      assert.equal(org.billingStatus, 'active')

      const created = await post()
      created.assertStatus(202)
    })

    test('what a trialing org issued still verifies and downloads once its free certificates are used up and its trial ended', async ({
      client,
      assert,
    }) => {
      const { org } = await givenOrg({ billing: 'trialing' })
      const { secret } = await givenApiKey(org)
      const issued = await givenIssued(org, { count: 10 })
      const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })

      const refused = await client
        .post('/api/v1/generation-jobs')
        .bearerToken(secret)
        .json({ template_ids: [template.id], recipients: people(1) })
      refused.assertStatus(403)
      assert.equal(refused.body().errors[0].code, 'E_TRIAL_EXHAUSTED')
      assert.include(
        refused.body().errors[0].message,
        'has used the 10 free certificates its trial covers and this job has 1'
      )

      await trialEnded(org, '2026-12-03T10:00:00Z')
      const verified = await client.get(`/api/v1/verify/${tokenOf(issued[0])}`)
      verified.assertStatus(200)
      assert.equal(verified.body().status, 'valid')
      const publicPdf = await client.get(`/v/${tokenOf(issued[0])}/pdf`)
      publicPdf.assertStatus(200)
      assert.equal(publicPdf.header('content-type'), 'application/pdf')
      const orgPdf = await client
        .get(`/api/v1/certificates/${issued[9].id}/pdf`)
        .bearerToken(secret)
      orgPdf.assertStatus(200)
      assert.equal(orgPdf.header('content-type'), 'application/pdf')
    }).timeout(120_000)
  }
)

test.group('Billing: a trial’s refusal on the generation pages', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the preflight of a job the trial does not cover says why and links to Billing instead of Generate; who may not see Billing is told to ask an owner', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ billing: 'trialing', name: 'Acme Academy' })
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(11))
    const preflight = (user: typeof owner) =>
      actingAs(
        client
          .post('/generation-jobs/preflight')
          .form(jobForm(template.id, list.id))
          .withCsrfToken(),
        user,
        org
      )

    const page = await preflight(owner)
    page.assertStatus(200)
    const html = page.text()
    assert.include(html, 'id="billing-refusal" data-code="E_TRIAL_EXHAUSTED"')
    assert.include(
      html,
      'Acme Academy’s trial covers 10 more free certificates and this job has 11'
    )
    assert.match(html, /<a href="\/billing" id="billing-refusal-link">Go to Billing<\/a>/)
    assert.notInclude(html, 'id="generate"')

    const { user: member } = await givenMember(org, 'member')
    const memberPage = await preflight(member)
    const asMember = memberPage.text()
    assert.include(asMember, 'data-code="E_TRIAL_EXHAUSTED"')
    assert.notInclude(asMember, 'id="billing-refusal-link"')
    assert.include(asMember, 'Ask an owner of Acme Academy to settle it under Billing.')

    const viewer = await givenCustomRole(org, ['certificates.issue', 'billing.view'])
    const { user: admin } = await givenMember(org, viewer)
    const viewerPage = await preflight(admin)
    const asViewer = viewerPage.text()
    assert.match(asViewer, /<a href="\/billing" id="billing-refusal-link">See Billing<\/a>/)
  })

  test('a job the trial stopped covering after its preflight comes back to the form with why and the link to Billing, and is not created', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg({ billing: 'trialing', name: 'Acme Academy' })
    const { template } = await givenTemplate(org, { fields: NAME_COURSE_NUMBER_QR })
    const list = await givenImport(org, recipientsCsv(2))
    await trialEnded(org, '2026-12-03T10:00:00Z')

    const before = await jobCount(org)
    const refused = await actingAs(
      client
        .post('/generation-jobs')
        .form(jobForm(template.id, list.id))
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    refused.assertStatus(302)
    refused.assertHeader('location', '/generation-jobs/new')
    assert.equal(flashOf(refused).billing_refusal.code, 'E_TRIAL_EXHAUSTED')
    assert.equal(await jobCount(org), before)

    const form = await actingAs(client.get('/generation-jobs/new'), owner, org).withFlashMessages(
      refused.flashMessages()
    )
    form.assertStatus(200)
    const html = form.text()
    assert.include(html, 'data-code="E_TRIAL_EXHAUSTED"')
    assert.include(html, 'The trial of Acme Academy ended on 3 December 2026')
    assert.match(html, /<a href="\/billing" id="billing-refusal-link">Go to Billing<\/a>/)
  })
})
