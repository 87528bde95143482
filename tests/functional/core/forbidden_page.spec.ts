import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'

test.group('Pages a role does not allow', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a browser gets the 403 page explaining the missing permission, not a bare "Access denied"', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const { user } = await givenMember(org, await givenCustomRole(org, ['certificates.issue']))

    for (const path of ['/api-keys', '/roles', '/settings/organization', '/audit-log']) {
      const response = await actingAs(client.get(path).header('accept', 'text/html'), user, org)
      response.assertStatus(403)
      assert.include(response.header('content-type'), 'text/html', path)
      assert.include(response.text(), '<p class="error-code">403</p>', path)
      assert.include(response.text(), 'Your role in this organization doesn', path)
      assert.notEqual(response.text().trim(), 'Access denied', path)
    }
  })

  test('a JSON request is still refused with a JSON body', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { user } = await givenMember(org, 'member')

    const response = await actingAs(
      client.get('/api-keys').header('accept', 'application/json'),
      user,
      org
    )
    response.assertStatus(403)
    assert.include(response.header('content-type'), 'application/json')
    assert.notInclude(response.text(), '<html')
  })
})
