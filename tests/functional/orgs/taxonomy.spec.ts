import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import AddTaxonomyCategory from '#orgs/actions/add_taxonomy_category'
import AddTaxonomySubcategory from '#orgs/actions/add_taxonomy_subcategory'
import { flashOf } from '#tests/helpers/flash'
import { actingAs, givenCustomRole, givenMember, givenOrg } from '#tests/helpers/given'
import { auditRows, metadataOf } from '#tests/helpers/orgs'

async function categoryByKey(org: Parameters<typeof OrgTaxonomy.for>[0], key: string) {
  const categories = await OrgTaxonomy.for(org, { includeHidden: true })
  const category = categories.find((c) => c.key === key)
  if (!category) throw new Error(`no category ${key}`)
  return category
}

test.group('Taxonomy settings', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('the page lists the industry’s categories and subcategories with their keys', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const response = await actingAs(client.get('/settings/categories'), owner, org)
    response.assertStatus(200)
    const html = response.text()
    assert.include(html, 'Education &amp; training')
    assert.include(html, 'Course completion')
    assert.include(html, 'Hackathon')
    assert.include(html, 'data-key="participation"')
  })

  test('renaming and hiding a global category writes an override for this org only', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const training = await categoryByKey(org, 'training')

    const rename = await actingAs(
      client
        .put(`/settings/categories/${training.id}`)
        .form({ name: 'Corporate courses' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    rename.assertStatus(302)
    rename.assertHeader('location', '/settings/categories')
    assert.match(flashOf(rename).success, /renamed/)

    const hide = await actingAs(
      client
        .put(`/settings/categories/${training.id}`)
        .form({ hidden: '1' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(hide).success, /hidden/)

    const override = await db
      .from('organization_taxonomy_overrides')
      .where('organization_id', org.id)
      .where('entity_id', training.id)
      .firstOrFail()
    assert.equal(override.name, 'Corporate courses')
    assert.isTrue(Boolean(override.is_hidden))
    const globalRow = await db.from('certificate_categories').where('id', training.id).firstOrFail()
    assert.equal(globalRow.name, 'Training')

    const whileHidden = await OrgTaxonomy.for(org)
    assert.notInclude(
      whileHidden.map((c) => c.id),
      training.id
    )
    const settingsPage = await actingAs(client.get('/settings/categories'), owner, org)
    const page = settingsPage.text()
    assert.include(page, 'Corporate courses')
    assert.include(page, 'Renamed from “Training”')
    assert.include(page, 'Hidden')

    const show = await actingAs(
      client
        .put(`/settings/categories/${training.id}`)
        .form({ hidden: '0' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(show).success, /shown again/)
    const shownAgain = await OrgTaxonomy.for(org)
    assert.include(
      shownAgain.map((c) => c.id),
      training.id
    )

    const { org: other } = await givenOrg()
    const otherTraining = await categoryByKey(other, 'training')
    assert.equal(otherTraining.name, 'Training')

    const updates = await db
      .from('app_audit_logs')
      .where('organization_id', org.id)
      .where('action', 'taxonomy.category_updated')
    const actions = updates.map((row) => metadataOf(row).changes)
    assert.sameDeepMembers(actions, [['renamed'], ['hidden'], ['shown']])
  })

  test('an owner adds an own category and a subcategory under a global category', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const add = await actingAs(
      client
        .post('/settings/categories')
        .form({ name: 'Faculty development' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    add.assertStatus(302)
    assert.match(flashOf(add).success, /Faculty development/)
    const own = await categoryByKey(org, 'faculty_development')
    assert.isTrue(own.isOwn)

    const workshop = await categoryByKey(org, 'workshop')
    const sub = await actingAs(
      client
        .post(`/settings/categories/${workshop.id}/subcategories`)
        .form({ name: 'Robotics' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    sub.assertStatus(302)
    assert.match(flashOf(sub).success, /Robotics/)
    const workshopAfter = await categoryByKey(org, 'workshop')
    const robotics = workshopAfter.subcategories.find((s) => s.key === 'robotics')
    assert.isTrue(robotics?.isOwn)

    const subOwn = await actingAs(
      client
        .post(`/settings/categories/${own.id}/subcategories`)
        .form({ name: 'Pedagogy' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(subOwn).success, /Pedagogy/)

    assert.lengthOf(await auditRows(org, 'taxonomy.category_created'), 1)
    assert.lengthOf(await auditRows(org, 'taxonomy.subcategory_created'), 2)
  })

  test('own entries are renamed in place and can be hidden', async ({ client, assert }) => {
    const { org, owner } = await givenOrg()
    const created = await AddTaxonomyCategory.handle({ org, name: 'Alumni', actorUserId: owner.id })
    if (created.kind !== 'created') throw new Error('not created')
    const sub = await AddTaxonomySubcategory.handle({
      org,
      categoryId: created.category.id,
      name: 'Mentors',
      actorUserId: owner.id,
    })
    if (sub.kind !== 'created') throw new Error('not created')

    await actingAs(
      client
        .put(`/settings/categories/${created.category.id}`)
        .form({ name: 'Alumni network' })
        .withCsrfToken(),
      owner,
      org
    )
    await actingAs(
      client
        .put(`/settings/subcategories/${sub.subcategory.id}`)
        .form({ name: 'Mentor circle' })
        .withCsrfToken(),
      owner,
      org
    )
    await actingAs(
      client
        .put(`/settings/subcategories/${sub.subcategory.id}`)
        .form({ hidden: 'true' })
        .withCsrfToken(),
      owner,
      org
    )

    const categoryRow = await db
      .from('certificate_categories')
      .where('id', created.category.id)
      .firstOrFail()
    assert.equal(categoryRow.name, 'Alumni network')
    const subcategoryRow = await db
      .from('certificate_subcategories')
      .where('id', sub.subcategory.id)
      .firstOrFail()
    assert.equal(subcategoryRow.name, 'Mentor circle')
    const categories = await OrgTaxonomy.for(org)
    const visible = categories.find((c) => c.id === created.category.id)!
    assert.lengthOf(visible.subcategories, 0)
  })

  test('duplicates, hidden parents and invalid names are refused with a message', async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const duplicate = await actingAs(
      client.post('/settings/categories').form({ name: 'Workshop' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.match(flashOf(duplicate).inputErrorsBag.name[0], /already exists/)

    const empty = await actingAs(
      client.post('/settings/categories').form({ name: '' }).withCsrfToken().redirects(0),
      owner,
      org
    )
    assert.properties(flashOf(empty).inputErrorsBag, ['name'])

    const participation = await categoryByKey(org, 'participation')
    const dupSub = await actingAs(
      client
        .post(`/settings/categories/${participation.id}/subcategories`)
        .form({ name: 'webinar' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(dupSub).error, /already has a subcategory/)

    const tooLong = await actingAs(
      client
        .put(`/settings/categories/${participation.id}`)
        .form({ name: 'x'.repeat(121) })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(tooLong).error, /at most 120/)

    await actingAs(
      client.put(`/settings/categories/${participation.id}`).form({ hidden: '1' }).withCsrfToken(),
      owner,
      org
    )
    const underHidden = await actingAs(
      client
        .post(`/settings/categories/${participation.id}/subcategories`)
        .form({ name: 'Quiz' })
        .withCsrfToken()
        .redirects(0),
      owner,
      org
    )
    assert.match(flashOf(underHidden).error, /Show the category again/)
    assert.lengthOf(await db.from('certificate_subcategories').where('organization_id', org.id), 0)
  })

  test("another org's own entries and unknown ids answer 404, identical to each other", async ({
    client,
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: orgB, owner: ownerB } = await givenOrg()
    const theirs = await AddTaxonomyCategory.handle({
      org: orgB,
      name: 'B secret category',
      actorUserId: ownerB.id,
    })
    if (theirs.kind !== 'created') throw new Error('not created')
    const theirSub = await AddTaxonomySubcategory.handle({
      org: orgB,
      categoryId: theirs.category.id,
      name: 'B secret sub',
      actorUserId: ownerB.id,
    })
    if (theirSub.kind !== 'created') throw new Error('not created')

    const requests = [
      (id: string) =>
        client.put(`/settings/categories/${id}`).form({ name: 'Mine now' }).withCsrfToken(),
      (id: string) =>
        client.put(`/settings/categories/${id}`).form({ hidden: '1' }).withCsrfToken(),
      (id: string) =>
        client
          .post(`/settings/categories/${id}/subcategories`)
          .form({ name: 'Intruder' })
          .withCsrfToken(),
    ]
    for (const request of requests) {
      const foreign = await actingAs(request(theirs.category.id), owner, org)
      const unknown = await actingAs(request(randomUUID()), owner, org)
      const malformed = await actingAs(request('not-a-uuid'), owner, org)
      foreign.assertStatus(404)
      unknown.assertStatus(404)
      malformed.assertStatus(404)
      assert.equal(foreign.text(), unknown.text())
    }
    const subForeign = await actingAs(
      client
        .put(`/settings/subcategories/${theirSub.subcategory.id}`)
        .form({ hidden: '1' })
        .withCsrfToken(),
      owner,
      org
    )
    const subUnknown = await actingAs(
      client.put(`/settings/subcategories/${randomUUID()}`).form({ hidden: '1' }).withCsrfToken(),
      owner,
      org
    )
    subForeign.assertStatus(404)
    subUnknown.assertStatus(404)
    assert.equal(subForeign.text(), subUnknown.text())

    const theirRow = await db
      .from('certificate_categories')
      .where('id', theirs.category.id)
      .firstOrFail()
    assert.equal(theirRow.name, 'B secret category')
    assert.lengthOf(
      await db.from('organization_taxonomy_overrides').where('organization_id', org.id),
      0
    )
    const settingsPage = await actingAs(client.get('/settings/categories'), owner, org)
    const page = settingsPage.text()
    assert.notInclude(page, 'B secret')
  })

  test('a member without org.manage gets 403 on every taxonomy route', async ({
    client,
    assert,
  }) => {
    const { org } = await givenOrg()
    const role = await givenCustomRole(org, ['templates.manage', 'api_keys.manage', 'audit.view'])
    const { user } = await givenMember(org, role)
    const training = await categoryByKey(org, 'training')
    const participation = await categoryByKey(org, 'participation')
    const webinar = participation.subcategories.find((s) => s.key === 'webinar')!

    const list = await actingAs(client.get('/settings/categories'), user, org)
    list.assertStatus(403)
    const addCategory = await actingAs(
      client.post('/settings/categories').form({ name: 'Nope' }).withCsrfToken(),
      user,
      org
    )
    addCategory.assertStatus(403)
    const hideCategory = await actingAs(
      client.put(`/settings/categories/${training.id}`).form({ hidden: '1' }).withCsrfToken(),
      user,
      org
    )
    hideCategory.assertStatus(403)
    const addSubcategory = await actingAs(
      client
        .post(`/settings/categories/${training.id}/subcategories`)
        .form({ name: 'Nope' })
        .withCsrfToken(),
      user,
      org
    )
    addSubcategory.assertStatus(403)
    const hideSubcategory = await actingAs(
      client.put(`/settings/subcategories/${webinar.id}`).form({ hidden: '1' }).withCsrfToken(),
      user,
      org
    )
    hideSubcategory.assertStatus(403)
    assert.lengthOf(
      await db.from('organization_taxonomy_overrides').where('organization_id', org.id),
      0
    )
    assert.lengthOf(await db.from('certificate_categories').where('organization_id', org.id), 0)
  })
})
