import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import OrganizationRole from '#orgs/models/organization_role'
import OrganizationMember from '#orgs/models/organization_member'
import { ALL_PERMISSIONS, PERMISSIONS } from '#orgs/policies/permissions'
import { actingAs, givenCustomRole, givenMember, givenOrg, roleOf } from '#tests/helpers/given'
import { auditRows, flashOf, givenInvitation, metadataOf } from '#tests/helpers/orgs'

test.group('Roles', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a role without roles.manage gets 403 on every roles route', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const almostEverything = await givenCustomRole(
      org,
      ALL_PERMISSIONS.filter((p) => p !== 'roles.manage' && p !== 'billing.manage')
    )
    const { user } = await givenMember(org, almostEverything)
    const target = await givenCustomRole(org, ['audit.view'], 'Target role')
    const form = { name: 'Sneaky', permissions: ['audit.view'] }
    const responses = [
      await actingAs(client.get('/roles'), user, org),
      await actingAs(client.get('/roles/new'), user, org),
      await actingAs(client.post('/roles').form(form).withCsrfToken(), user, org),
      await actingAs(client.get(`/roles/${target.id}/edit`), user, org),
      await actingAs(client.put(`/roles/${target.id}`).form(form).withCsrfToken(), user, org),
      await actingAs(client.delete(`/roles/${target.id}`).withCsrfToken(), user, org),
    ]
    for (const response of responses) response.assertStatus(403)
    const targetAfter = await OrganizationRole.findOrFail(target.id)
    assert.equal(targetAfter.name, 'Target role')
    assert.isNull(await OrganizationRole.findBy('name', 'Sneaky'))
  })

  test("another org's role ids answer 404, identical to an unknown id", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB } = await givenOrg()
    const foreign = await givenCustomRole(orgB, ['audit.view'], 'B role')
    const form = { name: 'Hijacked', permissions: ['audit.view'] }
    for (const request of [
      (id: string) => client.get(`/roles/${id}/edit`),
      (id: string) => client.put(`/roles/${id}`).form(form).withCsrfToken(),
      (id: string) => client.delete(`/roles/${id}`).withCsrfToken(),
    ]) {
      const foreignResponse = await actingAs(request(foreign.id), owner, org)
      const unknownResponse = await actingAs(request(randomUUID()), owner, org)
      foreignResponse.assertStatus(404)
      unknownResponse.assertStatus(404)
      assert.equal(foreignResponse.text(), unknownResponse.text())
    }
    const foreignAfter = await OrganizationRole.findOrFail(foreign.id)
    assert.equal(foreignAfter.name, 'B role')
  })

  test('the roles page shows system roles with their permissions and custom roles with member counts', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const auditors = await givenCustomRole(org, ['audit.view'], 'Auditors')
    await givenMember(org, auditors)
    await givenMember(org, auditors)
    const response = await actingAs(client.get('/roles'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    for (const name of ['Owner', 'Admin', 'Member', 'Auditors']) assert.include(html, name)
    assert.include(html, PERMISSIONS['billing.manage'])
    assert.include(html, `${ALL_PERMISSIONS.length} permissions`)
    assert.match(html, new RegExp(`data-role-id="${auditors.id}"[\\s\\S]*?<td>2</td>`))
    const ownerRole = await roleOf(org, 'owner')
    assert.notInclude(html, `/roles/${ownerRole.id}/edit`)
  })

  test('the new-role form lists every permission with its description', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/roles/new'), owner, org)
    response.assertStatus(200)
    for (const [key, description] of Object.entries(PERMISSIONS)) {
      assert.include(response.text(), `value="${key}"`)
      assert.include(response.text(), description)
    }
  })

  test('creating a custom role stores its key and permissions and is audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client
        .post('/roles')
        .form({
          name: ' Certificate Issuer ',
          description: 'Issues, never designs',
          permissions: ['certificates.issue', 'certificates.download'],
        })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/roles')
    const role = await OrganizationRole.query()
      .where('organization_id', org.id)
      .where('key', 'certificate_issuer')
      .firstOrFail()
    assert.equal(role.name, 'Certificate Issuer')
    assert.equal(role.description, 'Issues, never designs')
    assert.isFalse(role.isSystem)
    assert.deepEqual(await role.permissions(), ['certificates.download', 'certificates.issue'])
    const [audit] = await auditRows(org, 'role.created')
    assert.equal(audit.entity_id, role.id)
    assert.deepEqual(metadataOf(audit).permissions, ['certificates.download', 'certificates.issue'])
  })

  test('role names are unique in the org, including system role names', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    await givenCustomRole(org, ['audit.view'], 'Auditors')
    const duplicate = await actingAs(
      client.post('/roles').form({ name: 'auditors' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    duplicate.assertHasValidationError('name')
    const system = await actingAs(
      client.post('/roles').form({ name: 'Admin' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    system.assertHasValidationError('name')
    assert.lengthOf(await OrganizationRole.query().where('organization_id', org.id), 4)

    const { org: orgB, owner: ownerB } = await givenOrg()
    const elsewhere = await actingAs(
      client.post('/roles').form({ name: 'Auditors' }).withCsrfToken().redirects(0),
      ownerB,
      orgB
    )
    elsewhere.assertHeader('location', '/roles')
  })

  test('unknown permissions are refused', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(
      client
        .post('/roles')
        .form({ name: 'Weird', permissions: ['root.everything'] })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertStatus(302)
    assert.isNull(
      await OrganizationRole.query().where('organization_id', org.id).where('name', 'Weird').first()
    )
  })

  test('updating a custom role replaces its permissions and is audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const role = await givenCustomRole(org, ['audit.view', 'templates.manage'], 'Designers')
    const edit = await actingAs(client.get(`/roles/${role.id}/edit`), owner, org)
    edit.assertStatus(200)
    assert.match(edit.text(), /value="audit.view" checked/)

    const response = await actingAs(
      client
        .put(`/roles/${role.id}`)
        .form({
          name: 'Template designers',
          description: '',
          permissions: ['templates.manage', 'imports.manage'],
        })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    response.assertHeader('location', '/roles')
    const reloaded = await OrganizationRole.findOrFail(role.id)
    assert.equal(reloaded.name, 'Template designers')
    assert.equal(reloaded.key, 'template_designers')
    assert.isNull(reloaded.description)
    assert.deepEqual(await reloaded.permissions(), ['imports.manage', 'templates.manage'])
    const [audit] = await auditRows(org, 'role.updated')
    assert.deepEqual(metadataOf(audit).added, ['imports.manage'])
    assert.deepEqual(metadataOf(audit).removed, ['audit.view'])
  })

  test('members with an edited role get its new permissions on their next request', async ({
    client,
  }) => {
    const { org, owner } = await givenOrg()
    const role = await givenCustomRole(org, ['templates.manage'], 'Helpers')
    const { user } = await givenMember(org, role)
    const before = await actingAs(client.get('/invitations'), user, org)
    before.assertStatus(403)
    const update = await actingAs(
      client
        .put(`/roles/${role.id}`)
        .form({ name: 'Helpers', permissions: ['members.manage'] })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    update.assertHeader('location', '/roles')
    const after = await actingAs(client.get('/invitations'), user, org)
    after.assertStatus(200)
  })

  test('system roles cannot be edited or deleted', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const member = await roleOf(org, 'member')
    const before = await member.permissions()
    const edit = await actingAs(client.get(`/roles/${member.id}/edit`).redirects(0), owner, org)
    edit.assertHeader('location', '/roles')
    const update = await actingAs(
      client
        .put(`/roles/${member.id}`)
        .form({ name: 'Member', permissions: ALL_PERMISSIONS })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(update, 'error'), /system role/)
    const ownerRole = await roleOf(org, 'owner')
    const destroy = await actingAs(
      client.delete(`/roles/${ownerRole.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(destroy, 'error'), /system role/)
    assert.deepEqual(await member.permissions(), before)
    const ownerRoleAfter = await roleOf(org, 'owner')
    assert.isNotNull(await OrganizationRole.find(ownerRoleAfter.id))
  })

  test('a role still used by a member or a pending invitation cannot be deleted', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const used = await givenCustomRole(org, ['audit.view'], 'Used')
    await givenMember(org, used)
    const invited = await givenCustomRole(org, ['audit.view'], 'Invited')
    await givenInvitation(org, { role: invited })

    const first = await actingAs(
      client.delete(`/roles/${used.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(
      flashOf(first, 'error'),
      '"Used" is still used by 1 member. Give them another role (or revoke the invitations) first.'
    )
    const second = await actingAs(
      client.delete(`/roles/${invited.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(second, 'error'), /1 pending invitation/)
    assert.isNotNull(await OrganizationRole.find(used.id))
    assert.isNotNull(await OrganizationRole.find(invited.id))
  })

  test('an unused role is deleted, removed members that held it keep their history row, and it is audited', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const role = await givenCustomRole(org, ['audit.view'], 'Temporary')
    const { member } = await givenMember(org, role)
    await actingAs(client.delete(`/members/${member.id}`).withCsrfToken(), owner, org)

    const response = await actingAs(
      client.delete(`/roles/${role.id}`).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.equal(flashOf(response, 'success'), 'Role "Temporary" deleted.')
    assert.isNull(await OrganizationRole.find(role.id))
    const removed = await OrganizationMember.findOrFail(member.id)
    const memberRole = await roleOf(org, 'member')
    assert.equal(removed.roleId, memberRole.id)
    const [audit] = await auditRows(org, 'role.deleted')
    assert.equal(audit.entity_id, role.id)
    assert.equal(audit.severity, 'warning')
  })

  test('an admin cannot grant billing.manage through a custom role', async ({ client, assert }) => {
    const { org } = await givenOrg()
    const { user: admin } = await givenMember(org, 'admin')
    const response = await actingAs(
      client
        .post('/roles')
        .form({ name: 'Treasurer', permissions: ['billing.manage', 'billing.view'] })
        .withCsrfToken()
        .redirects(0),
      admin,
      org
    )
    response.assertHasValidationError('permissions')
    assert.isNull(
      await OrganizationRole.query()
        .where('organization_id', org.id)
        .where('name', 'Treasurer')
        .first()
    )
    const form = await actingAs(client.get('/roles/new'), admin, org)
    assert.match(form.text(), /value="billing.manage"\s+disabled/)
  })
})
