import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { visit, pageProblems } from '#tests/helpers/browser'
import { mailbox } from '#tests/helpers/smtp_server'
import { givenOrg, PASSWORD } from '#tests/helpers/given'

test.group('Inviting a teammate', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('an owner invites a teammate, who signs up from the mailed link and appears in the member list', async ({
    assert,
    cleanup,
  }) => {
    const { owner } = await givenOrg({ name: 'Invite Browser Academy' })
    const invitee = 'arjun.mehta@invite-browser.test'

    // The owner logs in and sends an invitation from the invitations page.
    const { page: ownerPage } = await visit('/login', cleanup)
    await ownerPage.getByLabel('Email').fill(owner.email)
    await ownerPage.getByLabel('Password').fill(PASSWORD)
    await ownerPage.getByRole('button', { name: 'Log in' }).click()
    await ownerPage.waitForURL('**/dashboard')
    await ownerPage.locator('nav.sidebar').getByRole('link', { name: 'Invitations' }).click()
    await ownerPage.waitForURL('**/invitations')
    await ownerPage.getByLabel('Email address').fill(invitee)
    await ownerPage.getByLabel('Role').selectOption({ label: 'Admin' })
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click()
    await ownerPage.getByText(`Invitation sent to ${invitee}.`).waitFor()
    assert.include(await ownerPage.locator('#open-invitations').innerText(), invitee)

    // The mail arrives; a fresh browser (no cookies) opens its link.
    const mail = await mailbox.waitFor(invitee, /Invite Browser Academy/)
    const link = mailbox.linkIn(mail, '/join/')
    const { page: inviteePage } = await visit(link, cleanup)
    await inviteePage.getByRole('heading', { name: 'Join Invite Browser Academy' }).waitFor()
    assert.equal(await inviteePage.locator('#email').inputValue(), invitee)
    assert.isNotNull(await inviteePage.locator('#email').getAttribute('readonly'))
    await inviteePage.getByLabel('Full name').fill('Arjun Mehta')
    await inviteePage.getByLabel('Choose a password').fill('monsoon evenings in pune')
    await inviteePage
      .getByRole('button', { name: 'Create account and join Invite Browser Academy' })
      .click()

    // They land in the org, signed in.
    await inviteePage.waitForURL('**/dashboard')
    assert.include(
      await inviteePage.locator('#flash').innerText(),
      'Welcome to Invite Browser Academy! You joined as Admin.'
    )
    assert.include(await inviteePage.locator('.topbar').innerText(), 'Invite Browser Academy')

    // The owner sees the new member.
    await ownerPage.locator('nav.sidebar').getByRole('link', { name: 'Members' }).click()
    await ownerPage.waitForURL('**/members')
    const row = ownerPage.locator('#members-table tr', { hasText: invitee })
    await row.waitFor()
    assert.include(await row.innerText(), 'Arjun Mehta')
    assert.include(await row.innerText(), 'Admin')
    assert.include(await row.innerText(), 'Active')

    assert.deepEqual(pageProblems(ownerPage), [])
    assert.deepEqual(pageProblems(inviteePage), [])
  })
})
