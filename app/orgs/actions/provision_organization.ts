import db from '@adonisjs/lucid/services/db'
import hash from '@adonisjs/core/services/hash'
import User from '#identity/models/user'
import type Organization from '#orgs/models/organization'
import SignUp from '#orgs/actions/sign_up'
import CreateOrganization from '#orgs/actions/create_organization'

export interface ProvisionOrganizationInput {
  name: string
  slug?: string
  ownerEmail: string
  ownerPassword: string
  ownerName?: string
}

export type ProvisionOrganizationResult =
  | { kind: 'created'; org: Organization; owner: User; newOwner: boolean }
  | { kind: 'wrong_password' }
  | { kind: 'owner_disabled' }

/**
 * An org for an owner given by email and password (`node ace org:create`):
 * a new email signs up exactly like the web form; an existing account gets
 * the org only when the password proves it is theirs.
 */
export default class ProvisionOrganization {
  static async handle(input: ProvisionOrganizationInput): Promise<ProvisionOrganizationResult> {
    const email = User.normalizeEmail(input.ownerEmail)
    const existing = await User.findBy('email', email)

    if (!existing) {
      const result = await SignUp.handle({
        fullName: input.ownerName?.trim() || email.split('@')[0],
        email,
        password: input.ownerPassword,
        organizationName: input.name,
        slug: input.slug,
      })
      // Only a concurrent sign-up with the same email lands here.
      if (result.kind === 'email_taken') return ProvisionOrganization.handle(input)
      return { kind: 'created', org: result.org, owner: result.user, newOwner: true }
    }

    if (!(await hash.verify(existing.password, input.ownerPassword)))
      return { kind: 'wrong_password' }
    if (existing.isDisabled) return { kind: 'owner_disabled' }
    const { org } = await db.transaction((trx) =>
      CreateOrganization.handle({ name: input.name, slug: input.slug, owner: existing }, trx)
    )
    return { kind: 'created', org, owner: existing, newOwner: false }
  }
}
