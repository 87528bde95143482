import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { QueueWorker } from '#core/queue/worker'
import { pageProblems, sidewaysScroll, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, givenSmtpIntegration } from '#tests/helpers/deliveries'
import { givenIssuedJob, learners } from '#tests/helpers/delivery_jobs'
import { startSmtpStandIn } from '../../stand_ins/smtp.js'

const PHONE = { width: 390, height: 844 }

test.group('Delivering a job in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('on a phone, by keyboard: start a delivery from the job page, see the estimate, then the funnel fill as the worker sends', async ({
    assert,
    cleanup,
  }) => {
    const smtp = await startSmtpStandIn({})
    cleanup(() => smtp.close())
    const { org, owner } = await givenOrg({ name: 'Funnel Academy' })
    await givenSmtpIntegration(org, { port: smtp.port })
    const rows = learners(4)
    rows[3].email = undefined
    const { job, certificates } = await givenIssuedJob(org, rows)

    const { page } = await visit('/login', cleanup)
    await page.setViewportSize(PHONE)
    await logInThroughForm(page, owner.email)
    await page.goto(`/generation-jobs/${job.id}`)

    const deliver = page.getByRole('link', { name: 'Deliver', exact: true })
    await deliver.focus()
    await page.keyboard.press('Enter')
    await page.waitForURL(`**/generation-jobs/${job.id}/deliveries`)
    await page.getByRole('heading', { name: 'Deliver certificates' }).waitFor()

    // The estimate loads, then follows the choices.
    const estimate = page.locator('#delivery-estimate')
    await estimate.locator('[data-channel="email"]').waitFor()
    assert.include(await estimate.innerText(), '3 messages')
    assert.include(await estimate.innerText(), '1 recipient without an email address')
    await page.getByLabel('Only those not sent their certificates yet').focus()
    await page.keyboard.press('Space')
    await page.getByLabel('Every recipient').check()
    // No WhatsApp integration yet: WhatsApp says where to add one and can't be ticked, nor can falling back.
    const whatsapp = page.getByRole('checkbox', {
      name: 'WhatsApp (add an integration under Settings → Delivery first)',
    })
    assert.isTrue(await whatsapp.isDisabled())
    assert.isTrue(
      await page.getByLabel('Fall back to email when WhatsApp fails for good').isDisabled()
    )

    await page.getByRole('button', { name: 'Start sending' }).focus()
    await page.keyboard.press('Enter')
    await page.getByText('3 email messages queued, 1 without an email address').waitFor()
    const panel = page.locator('#delivery-panel')
    await page.locator('#delivery-panel[data-sending="true"]').waitFor()
    assert.equal(await panel.locator('[data-count="email.queued"]').innerText(), '3')
    assert.equal(await panel.locator('[data-count="email.sent"]').innerText(), '0')

    // No worker runs inside the test process: send here, as `npm start`'s worker would.
    await QueueWorker.drain({ lanes: 1 })
    await smtp.waitFor(3, 5_000)
    // The island polls every two seconds and stops once the delivery is done.
    await page.locator('#delivery-panel[data-sending="false"]').waitFor({ timeout: 10_000 })
    assert.equal(await panel.locator('[data-count="email.sent"]').innerText(), '3')
    assert.include(await panel.locator('#delivery-state').innerText(), 'Done')
    assert.include(await panel.locator('#job-deliveries').innerText(), 'Completed')

    // Nothing wider than the phone's screen.
    assert.isAtMost(await sidewaysScroll(page), 0)

    // The certificate's page loads its delivery timeline, the dashboard this month's figures.
    await page.goto(`/certificates/${certificates[0].id}`)
    const timeline = page.locator('#delivery-timeline')
    await timeline.waitFor()
    assert.include(await timeline.innerText(), 'Email sent')
    assert.include(await timeline.innerText(), 'Accepted by the provider')
    // A long provider id wraps inside the timeline rather than widening the page.
    assert.isAtMost(await sidewaysScroll(page), 0)
    await page.goto('/dashboard')
    await page.locator('#delivery-figures [data-channel="email"] [data-figure="sent"]').waitFor()
    assert.equal(
      await page
        .locator('#delivery-figures [data-channel="email"] [data-figure="sent"]')
        .innerText(),
      '3'
    )
    assert.deepEqual(pageProblems(page), [])
  })
})
