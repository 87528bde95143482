import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import env from '#start/env'
import User from '#identity/models/user'
import Organization from '#orgs/models/organization'
import DemoOrgSeeder, { DEMO_OWNER, DEMO_TEAMMATES } from '#database/seeders/02_demo_org_seeder'
import { givenOrg } from '#tests/helpers/given'
import { allowOutbound } from '#tests/helpers/deliveries'
import { readSecrets } from '#deliveries/services/integration_secrets'
import DeliveryIntegration from '#deliveries/models/delivery_integration'

const DEMO_PASSWORD = 'plum-orbit-canvas-river'

async function runDemoSeeder() {
  await new DemoOrgSeeder(db.connection()).run()
}

async function counts() {
  const total = async (table: string) => {
    const counted = await db.from(table).count('* as total').first()
    return Number(counted?.total ?? 0)
  }
  return {
    organizations: await total('organizations'),
    users: await total('users'),
    members: await total('organization_members'),
    roles: await total('organization_roles'),
    audit: await total('app_audit_logs'),
    templates: await total('certificate_templates'),
    imports: await total('file_import_jobs'),
  }
}

test.group('Demo org seeder', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())
  group.each.setup(() => {
    const previous = env.get('DEMO_OWNER_PASSWORD')
    env.set('DEMO_OWNER_PASSWORD', DEMO_PASSWORD)
    return () => env.set('DEMO_OWNER_PASSWORD', previous ?? '')
  })

  test('on an empty database it creates Demo Academy whose owner signs in with DEMO_OWNER_PASSWORD', async ({
    assert,
  }) => {
    const initial = await counts()
    assert.equal(initial.organizations, 0, 'the test starts from an empty database')
    await runDemoSeeder()

    const org = await Organization.findByOrFail('slug', 'demo')
    assert.equal(org.name, 'Demo Academy')
    assert.equal(org.businessName, 'Demo Academy Learning Services')
    assert.equal(org.city, 'Bengaluru')
    // A paying customer, so the demo's jobs are issued whatever their size and the day.
    assert.equal(org.billingStatus, 'active')

    const owner = await User.verifyCredentials(DEMO_OWNER.email, DEMO_PASSWORD)
    const profile = await db.from('profiles').where('id', owner.id).firstOrFail()
    assert.equal(profile.full_name, 'Demo Owner')

    const members = await db
      .from('organization_members')
      .join('users', 'users.id', 'organization_members.user_id')
      .join('organization_roles', 'organization_roles.id', 'organization_members.role_id')
      .where('organization_members.organization_id', org.id)
      .select('users.email', 'organization_roles.key as role', 'organization_members.status')
      .orderBy('users.email')
    assert.deepEqual(
      members.map((m) => `${m.email} ${m.role} ${m.status}`),
      [
        'admin@demo.test admin active',
        'member@demo.test member active',
        'owner@demo.test owner active',
      ]
    )
    for (const teammate of DEMO_TEAMMATES) {
      await assert.doesNotReject(() => User.verifyCredentials(teammate.email, DEMO_PASSWORD))
    }
    await assert.rejects(() => User.verifyCredentials(DEMO_OWNER.email, 'not-the-demo-password'))

    // An active template with its fields, ready to open in the designer.
    const template = await db
      .from('certificate_templates')
      .where('organization_id', org.id)
      .firstOrFail()
    assert.deepInclude(template, {
      name: 'Course completion',
      status: 'active',
      current_version_number: 2,
    })
    const fields = await db
      .from('certificate_template_fields')
      .where('template_version_id', template.current_version_id)
      .orderBy('sort_order')
    assert.deepEqual(
      fields.map((f) => f.field_key),
      ['recipient_name', 'course_name', 'issue_date', 'certificate_number', 'verification_url']
    )

    // A recipient list for that template, read from a stored CSV, with one row to fix.
    const list = await db.from('file_import_jobs').where('organization_id', org.id).firstOrFail()
    assert.deepInclude(list, {
      status: 'ready',
      file_name: 'batch-14-march-2026.csv',
      total_rows: 6,
      valid_rows: 5,
      error_rows: 1,
    })
    const bad = await db
      .from('file_import_rows')
      .where('import_job_id', list.id)
      .where('error_count', '>', 0)
      .firstOrFail()
    assert.equal(bad.row_index, 6)
  }).timeout(30_000)

  test('its email and WhatsApp integrations point at the simulated providers npm start runs and allow-lists', async ({
    assert,
  }) => {
    const restore = allowOutbound('127.0.0.1:2525,127.0.0.1:4010')
    try {
      await runDemoSeeder()
    } finally {
      restore()
    }
    const org = await Organization.findByOrFail('slug', 'demo')
    const integrations = await DeliveryIntegration.query()
      .where('organization_id', org.id)
      .orderBy('channel', 'asc')
    assert.deepEqual(
      integrations.map((i) => [i.channel, i.provider, i.displayName, i.isDefault]),
      [
        ['email', 'smtp', 'Simulated mail server (demo)', true],
        ['whatsapp', 'whatsapp_cloud', 'Simulated WhatsApp (demo)', true],
      ]
    )
    assert.include(integrations[0].settings, { host: '127.0.0.1', port: 2525 })
    assert.include(integrations[1].settings, { api_base_url: 'http://127.0.0.1:4010' })
    assert.include(await readSecrets(integrations[1]), { access_token: 'standin-access-token' })
  }).timeout(30_000)

  test('without the simulated providers allow-listed (a plain db:seed) the demo org is made without integrations', async ({
    assert,
  }) => {
    await runDemoSeeder()
    const org = await Organization.findByOrFail('slug', 'demo')
    const integrations = await DeliveryIntegration.query().where('organization_id', org.id)
    assert.lengthOf(integrations, 0)
  }).timeout(30_000)

  test('running it again creates nothing new', async ({ assert }) => {
    await runDemoSeeder()
    const afterFirst = await counts()
    assert.equal(afterFirst.organizations, 1)

    await runDemoSeeder()
    assert.deepEqual(await counts(), afterFirst)
  })

  test('a database that already has an organization gets no demo org', async ({ assert }) => {
    await givenOrg({ name: 'Real Customer' })
    const before = await counts()
    await runDemoSeeder()
    assert.deepEqual(await counts(), before)
    assert.isNull(await Organization.findBy('slug', 'demo'))
    assert.isNull(await User.findBy('email', DEMO_OWNER.email))
  })

  test('without DEMO_OWNER_PASSWORD it creates nothing', async ({ assert }) => {
    env.set('DEMO_OWNER_PASSWORD', '')
    const before = await counts()
    await runDemoSeeder()
    assert.deepEqual(await counts(), before)
  })

  test('db:seed runs it only in development, never in test or production', ({ assert }) => {
    assert.deepEqual(DemoOrgSeeder.environment, ['development'])
  })
})
