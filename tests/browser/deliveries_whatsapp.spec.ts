import { createHash } from 'node:crypto'
import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import { closeEmailTransports } from '#deliveries/services/email_sender'
import { pageProblems, sidewaysScroll, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { addSmtpIntegrationInForm, openDeliverySettings } from '#tests/helpers/delivery_browser'
import { givenOrg } from '#tests/helpers/given'
import { smtpStandInFor } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { PHONE_NUMBER_ID, WABA_ID } from '#tests/helpers/whatsapp_webhooks'
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../../stand_ins/whatsapp_cloud_api.js'

const PHONE = { width: 390, height: 844 }
const ACCESS_TOKEN = 'browser-graph-access-token'
const APP_SECRET = 'browser-webhook-app-secret'
const VERIFY_TOKEN = 'browser-webhook-verify-token'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

test.group('Delivering a job by WhatsApp in the browser', (group) => {
  const smtp = smtpStandInFor(group)
  let whatsapp: WhatsAppStandIn
  group.setup(async () => {
    whatsapp = await startWhatsAppStandIn({
      accessToken: ACCESS_TOKEN,
      phoneNumberIds: [PHONE_NUMBER_ID],
      templates: [
        { name: 'certificate_issued', language: 'en', header: 'document', bodyParameters: 2 },
      ],
      delayMs: 5,
    })
    return async () => {
      closeEmailTransports()
      await whatsapp.close()
    }
  })
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => whatsapp.reset())

  /**
   * No worker runs inside the test process: runs the queue here, as
   * `npm start`'s worker would, until `done()` holds. The stand-in's status
   * webhooks reach the app in between, and a 131026 among them queues a
   * fallback email that the next round sends.
   */
  async function sendUntil(what: string, done: () => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      await QueueWorker.drain({ lanes: 1 })
      await whatsapp.idle()
      if (done()) return
      if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  test('an owner sets up SMTP and WhatsApp, sends 50 certificates by WhatsApp: 48 are read, the two 131026 numbers get their PDF by email, and a resend reaches one of them', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'WhatsApp Academy' })
    const rows = learners(50)
    const { job, certificates } = await givenIssuedJob(org, rows)
    const certificateOf = (row: (typeof rows)[number]) =>
      certificates.find((certificate) => certificate.recipientEmail === row.email)!

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await openDeliverySettings(page)

    // Settings → Delivery: the org's mail server (the SMTP stand-in)…
    await addSmtpIntegrationInForm(page, { name: 'Campus mail', port: smtp.current().port })

    // …and its WhatsApp Business number, through the Cloud API stand-in.
    await page.getByRole('link', { name: 'Add WhatsApp Cloud API' }).click()
    await page.waitForURL('**/settings/delivery/new?provider=whatsapp_cloud')
    await page.getByLabel('Name', { exact: true }).fill('Campus WhatsApp')
    await page.getByLabel('Phone number id').fill(PHONE_NUMBER_ID)
    await page.getByLabel('WhatsApp Business Account id').fill(WABA_ID)
    await page.getByLabel('Display phone number').fill('+1 555 078 3881')
    await page.getByLabel('Graph API base URL').fill(whatsapp.url)
    await page.getByLabel('Approved template name').fill('certificate_issued')
    await page.getByLabel('Body parameters').fill('recipient_name, recipient_page_url')
    await page.getByLabel('Access token').fill(ACCESS_TOKEN)
    await page.getByLabel('App secret').fill(APP_SECRET)
    await page.getByLabel('Webhook verify token').fill(VERIFY_TOKEN)
    await page.getByRole('button', { name: 'Add integration' }).click()
    // Added, and straight to its page: the webhook address is the step left, in Meta's dashboard.
    await page.getByText('Integration “Campus WhatsApp” added. One step left').waitFor()
    assert.notInclude(await page.content(), ACCESS_TOKEN)
    // Meta's "configure webhook" step, on the stand-in's dashboard endpoint: the callback URL
    // the integration page shows and the verify token; the stand-in checks both by handshake.
    const callbackUrl = await page.locator('code.copyable').innerText()
    const subscription = await fetch(`${whatsapp.url}/_standin/subscription`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        callback_url: callbackUrl,
        verify_token: VERIFY_TOKEN,
        app_secret: APP_SECRET,
      }),
    })
    assert.equal(subscription.status, 200, await subscription.text())
    await page.getByRole('link', { name: '← Delivery' }).click()
    const whatsappRow = page.locator('#whatsapp-integrations tr', { hasText: 'Campus WhatsApp' })
    assert.include(await whatsappRow.innerText(), 'Active')
    assert.include(await whatsappRow.innerText(), 'Default')

    // Two learners' numbers are not on WhatsApp: Meta accepts, says sent, then failed 131026.
    const unreachable = [rows[6], rows[30]]
    whatsapp.configure({ undeliverable: unreachable.map((row) => row.phone!) })

    // The job's Deliver page, on a phone: WhatsApp only, email when WhatsApp fails for good.
    await page.setViewportSize(PHONE)
    await page.goto(`/generation-jobs/${job.id}`)
    await page.getByRole('link', { name: 'Deliver', exact: true }).click()
    await page.getByRole('heading', { name: 'Deliver certificates' }).waitFor()
    const estimate = page.locator('#delivery-estimate')
    await estimate.locator('[data-channel="email"]').waitFor()
    // Falling back applies only to WhatsApp: not offered until WhatsApp is ticked.
    const fallback = page.getByLabel('Fall back to email when WhatsApp fails for good')
    assert.isTrue(await fallback.isDisabled(), 'fallback offered without WhatsApp')
    await page.getByRole('checkbox', { name: /^WhatsApp/ }).check()
    await estimate.locator('[data-channel="whatsapp"]').waitFor()
    await fallback.check()
    await page.getByRole('checkbox', { name: /^Email/ }).uncheck()
    await estimate.locator('[data-channel="email"]').waitFor({ state: 'detached' })
    assert.equal(
      await estimate.locator('[data-channel="whatsapp"] [data-estimate="messages"]').innerText(),
      '50'
    )
    assert.include(
      await estimate.locator('[data-estimate="fallback"]').innerText(),
      'When WhatsApp fails for good (a number not on WhatsApp), an email follows'
    )
    await page.getByRole('button', { name: 'Start sending' }).click()
    await page.getByText('50 WhatsApp messages queued').waitFor()
    await page.locator('#delivery-panel[data-sending="true"]').waitFor()

    await sendUntil(
      'every WhatsApp message read or failed, and both fallback emails sent',
      () =>
        whatsapp.sent.length === 50 &&
        whatsapp.sent.every((m) => m.statuses.includes('read') || m.statuses.includes('failed')) &&
        smtp.current().messages().length === 2
    )

    // The island polls itself until the delivery is done (its fallback emails sent), then stops.
    const panel = page.locator('#delivery-panel')
    const count = (key: string) => panel.locator(`[data-count="${key}"]`).innerText()
    await page.locator('#delivery-panel[data-sending="false"]').waitFor({ timeout: 10_000 })
    assert.include(await panel.locator('#delivery-state').innerText(), 'Done')
    assert.equal(await count('whatsapp.sent'), '48')
    assert.equal(await count('whatsapp.failed'), '2')
    assert.equal(await count('email.sent'), '2')
    // Read receipts may land after the delivery is done: the island then looks again only every
    // 15 s (data-awaiting-receipts), and a reload shows them at once.
    await page.reload()
    assert.equal(await count('whatsapp.queued'), '50')
    assert.equal(await count('whatsapp.delivered'), '48')
    assert.equal(await count('whatsapp.read'), '48')
    assert.equal(await count('whatsapp.failed'), '2')
    const notOnWhatsApp = panel.locator('[data-reason="whatsapp:131026"]')
    assert.equal(await notOnWhatsApp.locator('td.num').innerText(), '2')
    // The group's reason is the code's, naming neither learner's number.
    assert.include(await notOnWhatsApp.innerText(), 'cannot receive WhatsApp messages')
    assert.notMatch(await notOnWhatsApp.innerText(), /\+91/)
    const failedNames = async () => {
      const names = await panel.locator('#failed-messages tbody td:first-child a').allInnerTexts()
      return names.map((name) => name.trim())
    }
    assert.sameMembers(await failedNames(), ['Learner 7', 'Learner 31'])
    // The delivery's 52 messages: 50 by WhatsApp, 2 fallback emails.
    assert.include(
      await panel.locator('#job-deliveries [data-per-channel]').innerText(),
      '50 WhatsApp · 2 email (fallback)'
    )
    // Both were reached all the same: their fallback emails went.
    assert.include(
      await panel.locator('[data-count="reached-by-email"]').innerText(),
      '2 of them reached by email instead'
    )
    assert.equal(await panel.locator('#failed-messages [data-reached-by-email]').count(), 2)
    assert.isAtMost(await sidewaysScroll(page), 0)

    // Only the two 131026 learners were emailed, each their own certificate's exact PDF.
    assert.lengthOf(smtp.current().messages(), 2)
    for (const row of unreachable) {
      const [mail] = smtp.current().messagesTo(row.email!)
      assert.exists(mail, `no fallback email to ${row.email}`)
      assert.lengthOf(mail.attachments, 1)
      const [pdf] = mail.attachments
      assert.equal(pdf.contentType, 'application/pdf')
      assert.equal(pdf.content!.subarray(0, 5).toString('latin1'), '%PDF-')
      assert.equal(sha256(pdf.content!), certificateOf(row).sha256)
    }
    // Meta fetched each template's document link from the app: every certificate's exact bytes.
    assert.sameMembers(
      whatsapp.fetchedDocuments.map((fetched) => fetched.sha256),
      certificates.map((certificate) => certificate.sha256)
    )

    // Learner 7 has since joined WhatsApp: resend theirs from the failures list.
    whatsapp.configure({ undeliverable: [rows[30].phone!] })
    const resend = page.getByRole('button', { name: 'Resend to Learner 7 by WhatsApp' })
    // On the phone the failures are cards: the button is on screen, not past a sideways scroll.
    const box = (await resend.boundingBox())!
    assert.isAtMost(box.x + box.width, PHONE.width)
    await resend.click()
    await page.getByText('1 WhatsApp message queued').waitFor()
    await page.locator('#delivery-panel[data-sending="true"]').waitFor()
    await sendUntil(
      'the resent message read',
      () => whatsapp.sent.length === 51 && whatsapp.sent[50].statuses.includes('read')
    )
    assert.equal(whatsapp.sent[50].waId, '919810000007')
    await page.locator('#delivery-panel[data-sending="false"]').waitFor({ timeout: 10_000 })
    await page.reload()
    // A recipient counts once, at their newest message: the resend replaced the failure.
    assert.equal(await count('whatsapp.queued'), '50')
    assert.equal(await count('whatsapp.read'), '49')
    assert.equal(await count('whatsapp.failed'), '1')
    assert.deepEqual(await failedNames(), ['Learner 31'])
    assert.lengthOf(smtp.current().messages(), 2, 'a resend without fallback emails nobody')

    // The certificate's timeline shows both WhatsApp attempts and the fallback between them.
    await page.goto(`/certificates/${certificateOf(rows[6]).id}`)
    const timeline = page.locator('#delivery-timeline')
    await timeline.waitFor()
    const story = await timeline.innerText()
    assert.include(story, '3 messages')
    assert.include(story, 'WhatsApp failed for good: falling back to email')
    assert.include(story, 'to learner7@example.com, as a fallback')
    assert.include(story, 'Email sent')
    assert.include(story, 'WhatsApp read')
    assert.equal(
      await timeline.locator('[data-kind="attempt"][data-channel="whatsapp"]').count(),
      2
    )
    assert.isAtMost(await sidewaysScroll(page), 0)
    assert.deepEqual(pageProblems(page), [])
  }).timeout(60_000)
})
