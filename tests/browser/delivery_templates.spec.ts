import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import GenerationJobRecipient from '#certificates/models/generation_job_recipient'
import { pageProblems, visit } from '#tests/helpers/browser'
import { logInThroughForm } from '#tests/helpers/browser_login'
import { givenOrg } from '#tests/helpers/given'
import { givenJob, runJobs } from '#tests/helpers/certificates'

test.group('Delivery templates in the browser', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner customises the English email, sees it for a real recipient, and picks another recipient', async ({
    assert,
    cleanup,
  }) => {
    const { org, owner } = await givenOrg({ name: 'Template Browser Academy' })
    const { job } = await givenJob(org, { count: 2 })
    await runJobs(job.id)
    const [first, second] = await GenerationJobRecipient.query()
      .where('job_id', job.id)
      .orderBy('position', 'asc')

    const { page } = await visit('/login', cleanup)
    await logInThroughForm(page, owner.email)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Messages', exact: true })
      .click()
    await page.waitForURL('**/settings/delivery/templates')
    await page
      .locator('tr[data-built-in="email.en"]')
      .getByRole('link', { name: 'Customise' })
      .click()
    await page.waitForURL('**/settings/delivery/templates/new?*')

    // The built-in message, already shown for the job's first recipient.
    const preview = page.frameLocator('#preview-html')
    assert.include(await preview.locator('body').innerText(), `Dear ${first.recipientName},`)

    await page.getByLabel('Subject').fill('{course_name}: your certificate is ready')
    await page
      .getByLabel('Body (HTML)')
      .fill(
        '<h2>Well done, {recipient_name}!</h2><p onmouseover="steal()">Certificate {certificate_number}.</p><script>steal()</script><p><a href="{verification_url}">Check it</a></p>'
      )
    await page.getByRole('button', { name: 'Save template' }).click()
    await page.waitForURL('**/settings/delivery/templates/*/edit')
    assert.include(await page.locator('#flash').innerText(), 'is now the default Email message')

    const template = await DeliveryTemplate.query().where('organization_id', org.id).firstOrFail()
    assert.notInclude(template.body!, 'script')
    assert.notInclude(template.body!, 'onmouseover')
    const subject = await page.locator('#preview-subject').innerText()
    assert.equal(subject.trim(), 'Data Science: your certificate is ready')
    assert.include(await preview.locator('h2').innerText(), `Well done, ${first.recipientName}!`)
    // Sandboxed with no permission at all: no scripts, no same-origin access.
    assert.equal(await page.locator('#preview-html').getAttribute('sandbox'), '')

    // Another recipient of the same job.
    await page.getByLabel('Recipient').selectOption(second.id)
    await page.getByRole('button', { name: 'Show preview' }).click()
    await page.waitForURL(`**recipient_id=${second.id}*`)
    await preview.locator('h2', { hasText: second.recipientName }).waitFor()
    assert.include(await preview.locator('body').innerText(), 'Check it')
    assert.include(
      await page
        .locator('#preview-text')
        .textContent()
        .then((t) => t ?? ''),
      `Well done, ${second.recipientName}!`
    )

    // Unsaved changes previewed for the recipient chosen, nothing saved.
    await page.getByLabel('Body (HTML)').fill('<h2>Draft for {recipient_name}</h2>')
    await page.getByRole('button', { name: 'Preview changes' }).click()
    await page.getByRole('heading', { name: 'Preview of your unsaved changes' }).waitFor()
    await preview.locator('h2', { hasText: `Draft for ${second.recipientName}` }).waitFor()
    await template.refresh()
    assert.include(template.body!, 'Well done, {recipient_name}!')
    assert.deepEqual(pageProblems(page), [])
  }).timeout(90_000)
})
