import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import { baseUrl, pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { openDeliverySettings } from '#tests/helpers/delivery_browser'
import { givenMember, givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { startSmtpStandIn } from '../../stand_ins/smtp.js'

const PHONE = { width: 390, height: 844 }

test.group('Email open tracking in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('on a phone, by keyboard: an admin turns open tracking on, sends a job, the mail’s image is loaded and the panel shows it opened', async ({
    assert,
    cleanup,
  }) => {
    const smtp = await startSmtpStandIn({})
    cleanup(() => smtp.close())
    const { org } = await givenOrg({ name: 'Opens Academy' })
    const { user: admin } = await givenMember(org, 'admin')
    await givenSmtpIntegration(org, { port: smtp.port })
    const { job, certificates } = await givenIssuedJob(org, learners(2))

    const { page } = await visit('/login', cleanup)
    await page.setViewportSize(PHONE)
    await logInThroughForm(page, admin.email)
    await openDeliverySettings(page)
    const card = page.locator('#open-tracking')
    assert.include(await card.locator('#open-tracking-state').innerText(), 'Off')
    assert.include(await card.innerText(), '“opened” is a hint, not proof')
    const turnOn = card.getByRole('button', { name: 'Turn open tracking on' })
    await turnOn.focus()
    await page.keyboard.press('Enter')
    await page.getByText('Open tracking is on').waitFor()
    assert.include(await card.locator('#open-tracking-state').innerText(), 'On')
    assert.isTrue(await card.getByRole('button', { name: 'Turn open tracking off' }).isVisible())

    // Send the job's certificates by email, by keyboard, from its Deliver page.
    await page.goto(`/generation-jobs/${job.id}`)
    const deliver = page.getByRole('link', { name: 'Deliver', exact: true })
    await deliver.focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(`**/generation-jobs/${job.id}/deliveries`)
    await page.locator('#delivery-estimate [data-channel="email"]').waitFor()
    await page.getByRole('button', { name: 'Start sending' }).focus()
    await page.keyboard.press('Enter')
    await page.getByText('2 email messages queued').waitFor()
    // No worker runs inside the test process: send here, as `npm start`'s worker would.
    await QueueWorker.drain({ lanes: 1 })
    const mails = await smtp.waitFor(2, 5_000)
    const panel = page.locator('#delivery-panel')
    await page.locator('#delivery-panel[data-sending="false"]').waitFor({ timeout: 10_000 })
    assert.equal(await panel.locator('[data-count="email.read"]').innerText(), '0')
    assert.include(await panel.locator('[data-bar="read"]').innerText(), 'Opened')

    // The recipient's mail app loads the image in the received mail's HTML (parsed by mailparser).
    const mail = mails.find((m) => m.envelope.to[0] === certificates[0].recipientEmail)!
    const src = /<img[^>]*src="([^"]*\/deliveries\/o\/[^"]+)"/.exec(mail.html)?.[1]
    assert.exists(src, 'the HTML part carries the tracking image')
    assert.notInclude(mail.text, '/deliveries/o/')
    const image = await fetch(new URL(new URL(src!).pathname, baseUrl()))
    assert.equal(image.status, 200)
    assert.equal(image.headers.get('content-type'), 'image/gif')
    assert.equal(
      Buffer.from(await image.arrayBuffer())
        .subarray(0, 6)
        .toString(),
      'GIF89a'
    )

    // The panel keeps looking for opens after sending (every 15 s) and shows this one.
    await page
      .locator('#delivery-panel [data-count="email.read"]', { hasText: '1' })
      .waitFor({ timeout: 25_000 })
    assert.include(await panel.locator('[data-bar="read"]').innerText(), 'Opened')
    assert.equal(await panel.locator('[data-count="email.sent"]').innerText(), '2')

    // The certificate's timeline says it was opened.
    await page.goto(`/certificates/${certificates[0].id}`)
    const timeline = page.locator('#delivery-timeline')
    await timeline.waitFor()
    assert.include(await timeline.innerText(), 'Email opened')
    assert.deepEqual(pageProblems(page), [])
  })
})
