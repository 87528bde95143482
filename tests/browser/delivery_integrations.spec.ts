import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { addSmtpIntegrationInForm, openDeliverySettings } from '#tests/helpers/delivery_browser'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound, runTestMessages } from '#tests/helpers/deliveries'
import DeliveryIntegration from '#deliveries/models/delivery_integration'
import { startSmtpStandIn } from '../../stand_ins/smtp.js'

test.group('Delivery integrations in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => allowOutbound('127.0.0.1'))

  test('an owner adds an SMTP integration, sends a test message, sees it arrive and the page report it', async ({
    assert,
    cleanup,
  }) => {
    const smtp = await startSmtpStandIn({ auth: { user: 'mailer', pass: 'stand-in-password' } })
    cleanup(() => smtp.close())
    const { org, owner } = await givenOrg({ name: 'Delivery Browser Academy' })

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await openDeliverySettings(page)
    assert.include(await page.locator('#platform-sender').innerText(), 'sent via Authentix')

    await addSmtpIntegrationInForm(page, {
      name: 'Campus mail',
      port: smtp.port,
      user: 'mailer',
      password: 'stand-in-password',
    })
    await page.waitForURL('**/settings/delivery')

    const row = page.locator('#email-integrations tr', { hasText: 'Campus mail' })
    assert.include(await row.innerText(), 'Default')
    assert.include(await row.innerText(), 'Not tested yet')
    assert.notInclude(await page.content(), 'stand-in-password')
    // The "Add …" buttons stand apart from the table above and the card below.
    const table = (await page.locator('#email-integrations').boundingBox())!
    const buttons = (await page.locator('#add-email-integration').boundingBox())!
    const card = (await page.locator('#domain-guidance').boundingBox())!
    assert.isAtLeast(buttons.y - (table.y + table.height), 8)
    assert.isAtLeast(card.y - (buttons.y + buttons.height), 16)

    await row.getByLabel('Send a test to').fill('registrar@acme.example')
    await row.getByRole('button', { name: 'Send test message' }).click()
    await page.getByText('Sending a test message to registrar@acme.example').waitFor()
    await page.locator('[data-test-status="pending"]').waitFor()

    // No worker runs inside the test process: run the queued job here, as a worker would.
    const integration = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .firstOrFail()
    await runTestMessages(integration.id)
    const [mail] = await smtp.waitFor(1, 5_000)
    assert.deepEqual(mail.envelope.to, ['registrar@acme.example'])
    assert.include(mail.subject, 'Delivery Browser Academy')

    // The island polls itself until the outcome lands, then stops.
    await page.locator('[data-test-status="succeeded"]').waitFor({ timeout: 10_000 })
    assert.include(
      await page.locator(`#test-status-${integration.id}`).innerText(),
      'accepted the test message for registrar@acme.example'
    )
    assert.deepEqual(pageProblems(page), [])
  })
})
