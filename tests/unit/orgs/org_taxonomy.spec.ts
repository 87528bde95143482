import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import OrgTaxonomy from '#orgs/queries/org_taxonomy'
import AddTaxonomyCategory from '#orgs/actions/add_taxonomy_category'
import AddTaxonomySubcategory from '#orgs/actions/add_taxonomy_subcategory'
import UpdateTaxonomyEntry from '#orgs/actions/update_taxonomy_entry'
import { givenOrg } from '#tests/helpers/given'

test.group('Org taxonomy', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('a new org sees the global categories of its industry with their subcategories', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const taxonomy = await OrgTaxonomy.for(org)
    assert.deepEqual(
      taxonomy.map((c) => c.key),
      ['course_completion', 'training', 'participation', 'achievement', 'internship', 'workshop']
    )
    const participation = taxonomy.find((c) => c.key === 'participation')!
    assert.deepEqual(
      participation.subcategories.map((s) => s.key),
      ['hackathon', 'webinar', 'competition', 'bootcamp']
    )
    assert.isTrue(taxonomy.every((c) => !c.isOwn && !c.isHidden && c.name === c.originalName))
  })

  test('renaming and hiding a global entry changes only that org and never the global row', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const { org: other } = await givenOrg()
    const categories = await OrgTaxonomy.for(org)
    const training = categories.find((c) => c.key === 'training')!
    const webinar = categories
      .find((c) => c.key === 'participation')!
      .subcategories.find((s) => s.key === 'webinar')!

    const renamed = await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: training.id,
      name: 'Corporate training',
      actorUserId: owner.id,
    })
    assert.equal(renamed.kind, 'updated')
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'subcategory',
      id: webinar.id,
      hidden: true,
      actorUserId: owner.id,
    })

    const mine = await OrgTaxonomy.for(org)
    const mineTraining = mine.find((c) => c.key === 'training')!
    assert.equal(mineTraining.name, 'Corporate training')
    assert.equal(mineTraining.originalName, 'Training')
    assert.notInclude(
      mine.find((c) => c.key === 'participation')!.subcategories.map((s) => s.key),
      'webinar'
    )
    const withHidden = await OrgTaxonomy.for(org, { includeHidden: true })
    assert.isTrue(
      withHidden
        .find((c) => c.key === 'participation')!
        .subcategories.find((s) => s.key === 'webinar')!.isHidden
    )

    const theirs = await OrgTaxonomy.for(other)
    assert.equal(theirs.find((c) => c.key === 'training')!.name, 'Training')
    assert.include(
      theirs.find((c) => c.key === 'participation')!.subcategories.map((s) => s.key),
      'webinar'
    )

    const globalRow = await db.from('certificate_categories').where('id', training.id).firstOrFail()
    assert.equal(globalRow.name, 'Training')
    assert.isNull(globalRow.organization_id)
  })

  test('renaming a global entry back to its own name removes the override', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    const categories = await OrgTaxonomy.for(org)
    const training = categories.find((c) => c.key === 'training')!
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: training.id,
      name: 'Courses',
      actorUserId: owner.id,
    })
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: training.id,
      name: 'Training',
      actorUserId: owner.id,
    })
    const overrides = await db
      .from('organization_taxonomy_overrides')
      .where('organization_id', org.id)
    assert.lengthOf(overrides, 0)
    const categoriesAfter = await OrgTaxonomy.for(org)
    assert.equal(categoriesAfter.find((c) => c.key === 'training')!.name, 'Training')
  })

  test('own categories and subcategories are listed after the global ones with unique keys', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    const created = await AddTaxonomyCategory.handle({
      org,
      name: 'Faculty Development & Research',
      actorUserId: owner.id,
    })
    assert.equal(created.kind, 'created')
    if (created.kind !== 'created') return
    assert.equal(created.category.key, 'faculty_development_and_research')

    const categories = await OrgTaxonomy.for(org)
    const training = categories.find((c) => c.key === 'training')!
    const sub = await AddTaxonomySubcategory.handle({
      org,
      categoryId: training.id,
      name: 'Soft skills',
      actorUserId: owner.id,
    })
    assert.equal(sub.kind, 'created')

    const taxonomy = await OrgTaxonomy.for(org)
    const last = taxonomy[taxonomy.length - 1]
    assert.equal(last.key, 'faculty_development_and_research')
    assert.isTrue(last.isOwn)
    const trainingSubs = taxonomy.find((c) => c.key === 'training')!.subcategories
    assert.equal(trainingSubs[trainingSubs.length - 1].key, 'soft_skills')
    assert.isTrue(trainingSubs[trainingSubs.length - 1].isOwn)

    // Another org sees none of it.
    const { org: other } = await givenOrg()
    const theirs = await OrgTaxonomy.for(other)
    assert.notInclude(
      theirs.map((c) => c.key),
      'faculty_development_and_research'
    )
    assert.notInclude(
      theirs.find((c) => c.key === 'training')!.subcategories.map((s) => s.key),
      'soft_skills'
    )
  })

  test('a name already in use is a duplicate, and a key that would shadow a global key gets a suffix', async ({
    assert,
  }) => {
    const { org, owner } = await givenOrg()
    assert.deepEqual(
      await AddTaxonomyCategory.handle({ org, name: 'training', actorUserId: owner.id }),
      { kind: 'duplicate' }
    )

    const categories = await OrgTaxonomy.for(org)
    const training = categories.find((c) => c.key === 'training')!
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: training.id,
      name: 'Courses',
      actorUserId: owner.id,
    })
    const created = await AddTaxonomyCategory.handle({
      org,
      name: 'Training',
      actorUserId: owner.id,
    })
    assert.equal(created.kind, 'created')
    if (created.kind === 'created') assert.equal(created.category.key, 'training_2')
  })

  test('own entries are renamed in place and hidden through an override', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    const created = await AddTaxonomyCategory.handle({ org, name: 'Alumni', actorUserId: owner.id })
    if (created.kind !== 'created') throw new Error('not created')
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: created.category.id,
      name: 'Alumni awards',
      actorUserId: owner.id,
    })
    await UpdateTaxonomyEntry.handle({
      org,
      entityType: 'category',
      id: created.category.id,
      hidden: true,
      actorUserId: owner.id,
    })

    const row = await db
      .from('certificate_categories')
      .where('id', created.category.id)
      .firstOrFail()
    assert.equal(row.name, 'Alumni awards')
    const visible = await OrgTaxonomy.for(org)
    assert.notInclude(
      visible.map((c) => c.id),
      created.category.id
    )
    const override = await db
      .from('organization_taxonomy_overrides')
      .where('entity_id', created.category.id)
      .firstOrFail()
    assert.isNull(override.name)
  })

  test('another org’s own entries and unknown ids are not found', async ({ assert }) => {
    const { org: a, owner } = await givenOrg()
    const { org: b, owner: ownerB } = await givenOrg()
    const theirs = await AddTaxonomyCategory.handle({
      org: b,
      name: 'Secret B',
      actorUserId: ownerB.id,
    })
    if (theirs.kind !== 'created') throw new Error('not created')

    assert.deepEqual(
      await UpdateTaxonomyEntry.handle({
        org: a,
        entityType: 'category',
        id: theirs.category.id,
        hidden: true,
        actorUserId: owner.id,
      }),
      { kind: 'not_found' }
    )
    assert.deepEqual(
      await AddTaxonomySubcategory.handle({
        org: a,
        categoryId: theirs.category.id,
        name: 'X',
        actorUserId: owner.id,
      }),
      { kind: 'not_found' }
    )
    assert.deepEqual(
      await UpdateTaxonomyEntry.handle({
        org: a,
        entityType: 'subcategory',
        id: 'not-a-uuid',
        hidden: true,
        actorUserId: owner.id,
      }),
      { kind: 'not_found' }
    )
  })

  test('an org without an industry has no categories and cannot add one', async ({ assert }) => {
    const { org, owner } = await givenOrg()
    org.industryId = null
    await org.save()
    assert.deepEqual(await OrgTaxonomy.for(org), [])
    assert.deepEqual(
      await AddTaxonomyCategory.handle({ org, name: 'Anything', actorUserId: owner.id }),
      { kind: 'no_industry' }
    )
  })
})
