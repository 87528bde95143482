import { BaseSeeder } from '@adonisjs/lucid/seeders'
import db from '@adonisjs/lucid/services/db'
import logger from '@adonisjs/core/services/logger'
import env from '#start/env'
import RecordAudit from '#core/actions/record_audit'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import SignUp from '#orgs/actions/sign_up'
import { uniqueUsername } from '#orgs/actions/create_organization'
import OrganizationMember from '#orgs/models/organization_member'
import OrganizationRole from '#orgs/models/organization_role'
import CreateTemplate from '#templates/actions/create_template'
import SaveTemplateFields from '#templates/actions/save_template_fields'
import ActivateTemplate from '#templates/actions/activate_template'
import CreateImport from '#imports/actions/create_import'
import { DEMO_FIELDS, demoDesignPdf } from '#database/demo_template'
import { DEMO_RECIPIENTS_CSV, DEMO_RECIPIENTS_FILE } from '#database/demo_recipients'
import { createDemoIntegrations } from '#database/demo_integrations'

export const DEMO_ORG = {
  name: 'Demo Academy',
  slug: 'demo',
  details: {
    businessName: 'Demo Academy Learning Services',
    addressLine1: '12 Sample Street',
    addressLine2: 'Koramangala 4th Block',
    city: 'Bengaluru',
    state: 'Karnataka',
    postalCode: '560034',
    country: 'IN',
  },
}

export const DEMO_OWNER = { email: 'owner@demo.test', fullName: 'Demo Owner' }

/** Teammates so the members and roles pages show something real; they share the owner's password. */
export const DEMO_TEAMMATES = [
  { email: 'admin@demo.test', fullName: 'Priya Raman', role: 'admin' },
  { email: 'member@demo.test', fullName: 'Arjun Mehta', role: 'member' },
] as const

/**
 * The demo org `npm start` prints a login for. Runs only on an empty
 * database (no organizations at all), so it never touches real data and a
 * second run creates nothing. Needs DEMO_OWNER_PASSWORD, which `npm start`
 * writes into a fresh `.env`.
 */
export default class extends BaseSeeder {
  static environment = ['development']

  async run() {
    const password = env.get('DEMO_OWNER_PASSWORD')
    if (!password) {
      logger.info('demo org skipped: DEMO_OWNER_PASSWORD is not set')
      return
    }
    const existing = await db.from('organizations').count('* as total').first()
    if (Number(existing?.total ?? 0) > 0) {
      logger.info('demo org skipped: the database already has organizations')
      return
    }

    const result = await SignUp.handle({
      fullName: DEMO_OWNER.fullName,
      email: DEMO_OWNER.email,
      password,
      organizationName: DEMO_ORG.name,
      slug: DEMO_ORG.slug,
    })
    if (result.kind !== 'created') {
      logger.info(`demo org skipped: ${DEMO_OWNER.email} already has an account`)
      return
    }
    const { org, user: owner } = result

    await db.transaction(async (trx) => {
      org.useTransaction(trx)
      // A customer that has paid (as a captured payment leaves a trialing org), so the demo
      // issues its jobs however many and whenever it is opened: a trial ends after 7 days and
      // 10 certificates, and then refuses new ones (sign up a new org to see one).
      await org.merge({ ...DEMO_ORG.details, billingStatus: 'active' }).save()

      for (const teammate of DEMO_TEAMMATES) {
        if (await User.query({ client: trx }).where('email', teammate.email).first()) continue
        const user = await User.create(
          { email: teammate.email, password, isPlatformStaff: false },
          { client: trx }
        )
        await Profile.create(
          { id: user.id, ...Profile.namesFrom(teammate.fullName) },
          { client: trx }
        )
        const role = await OrganizationRole.query({ client: trx })
          .where('organization_id', org.id)
          .where('key', teammate.role)
          .firstOrFail()
        const member = await OrganizationMember.create(
          {
            organizationId: org.id,
            userId: user.id,
            username: await uniqueUsername(org.id, user.email, trx),
            roleId: role.id,
            status: 'active',
          },
          { client: trx }
        )
        await RecordAudit.handle(
          {
            action: 'member.added',
            organizationId: org.id,
            actorUserId: owner.id,
            entityType: 'organization_member',
            entityId: member.id,
            metadata: { email: user.email, role: teammate.role, source: 'demo seed' },
          },
          trx
        )
      }
    })

    // A real template to open in the designer, made as the owner would make it.
    const created = await CreateTemplate.handle({
      org,
      name: 'Course completion',
      upload: { bytes: await demoDesignPdf(), originalName: 'demo-certificate.pdf' },
      page: 1,
      taxonomy: {},
      actorUserId: owner.id,
    })
    if (created.kind === 'created') {
      await SaveTemplateFields.handle({
        org,
        templateId: created.template.id,
        fields: DEMO_FIELDS,
        actorUserId: owner.id,
      })
      await ActivateTemplate.handle({
        org,
        templateId: created.template.id,
        actorUserId: owner.id,
      })
    } else {
      logger.warn(`demo template skipped: ${created.kind}`)
    }

    // A recipient list read through the real import path, with one row left to fix.
    const list = await CreateImport.handle({
      org,
      file: {
        bytes: new Uint8Array(Buffer.from(DEMO_RECIPIENTS_CSV)),
        originalName: DEMO_RECIPIENTS_FILE,
      },
      templateIds: created.kind === 'created' ? [created.template.id] : [],
      actorUserId: owner.id,
    })
    if (list.kind === 'created') await list.run
    else logger.warn(`demo recipients skipped: ${list.kind}`)

    // Email and WhatsApp through the simulated providers `npm start` runs beside the app.
    const refused = await createDemoIntegrations(org, owner.id)
    for (const reason of refused) logger.info(`demo delivery integration skipped: ${reason}`)

    logger.info(`demo org "${DEMO_ORG.name}" created; sign in as ${DEMO_OWNER.email}`)
  }
}
