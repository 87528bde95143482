import db from '@adonisjs/lucid/services/db'
import RecordAudit from '#core/actions/record_audit'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import CreateOrganization from '#orgs/actions/create_organization'

export interface SignUpInput {
  fullName: string
  email: string
  password: string
  organizationName: string
  slug?: string
  origin?: { ip?: string | null; userAgent?: string | null }
}

export type SignUpResult =
  | {
      kind: 'created'
      user: User
      org: Awaited<ReturnType<typeof CreateOrganization.handle>>['org']
    }
  | { kind: 'email_taken' }

/**
 * Sign-up: user, profile, org, its system roles and the owner membership in
 * one transaction. Used by the sign-up page and `node ace org:create`.
 */
export default class SignUp {
  static async handle(input: SignUpInput): Promise<SignUpResult> {
    const email = User.normalizeEmail(input.email)
    if (await User.findBy('email', email)) return { kind: 'email_taken' }

    return db.transaction(async (trx) => {
      const user = await User.create(
        { email, password: input.password, isPlatformStaff: false },
        { client: trx }
      )
      await Profile.create({ id: user.id, ...Profile.namesFrom(input.fullName) }, { client: trx })
      const { org } = await CreateOrganization.handle(
        { name: input.organizationName, slug: input.slug, owner: user, origin: input.origin },
        trx
      )
      await RecordAudit.handle(
        {
          action: 'user.signed_up',
          organizationId: org.id,
          actorUserId: user.id,
          entityType: 'user',
          entityId: user.id,
          origin: input.origin,
        },
        trx
      )
      return { kind: 'created' as const, user, org }
    })
  }
}
