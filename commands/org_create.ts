import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace org:create "Acme Academy" --slug=acme --owner-email=a@acme.test --owner-password=...
 *
 * Creates the org exactly as sign-up does. The last line of output is the
 * new org's id alone, so scripts can capture it.
 */
export default class OrgCreate extends BaseCommand {
  static commandName = 'org:create'
  static description =
    'Create an organization and its owner (or add it to an existing owner account)'
  static help = [
    'A new --owner-email creates the account with --owner-password, exactly like the sign-up form.',
    'An existing account becomes the owner only if --owner-password is its current password.',
    'Prints the organization id alone on the last line.',
  ]
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Organization name' })
  declare name: string

  @flags.string({
    description:
      'URL name: lowercase letters, digits and hyphens, 3-48 characters (default: from the name)',
  })
  declare slug?: string

  @flags.string({ description: 'Owner email', required: true })
  declare ownerEmail: string

  @flags.string({
    description: 'Owner password (checked against an existing account, or set for a new one)',
    required: true,
  })
  declare ownerPassword: string

  @flags.string({ description: 'Owner full name for a new account (default: the email name)' })
  declare ownerName?: string

  async run() {
    // Imported here, not at the top: ace loads every command file to list
    // them before the app (and Lucid's Vine rules) has booted.
    const { default: vine, SimpleMessagesProvider } = await import('@vinejs/vine')
    const { newPassword, PASSWORD_MESSAGES } = await import('#identity/validators/password')
    const { default: User } = await import('#identity/models/user')
    const { default: ProvisionOrganization } = await import('#orgs/actions/provision_organization')
    const { organizationSlug, slugMessages } = await import('#orgs/validators/organization_slug')

    const [invalid, input] = await vine
      .compile(
        vine.object({
          name: vine.string().trim().minLength(2).maxLength(120),
          slug: organizationSlug().optional(),
          email: vine.string().trim().toLowerCase().email().maxLength(254),
          owner_name: vine.string().trim().minLength(1).maxLength(200).optional(),
        })
      )
      .tryValidate(
        { name: this.name, slug: this.slug, email: this.ownerEmail, owner_name: this.ownerName },
        {
          messagesProvider: new SimpleMessagesProvider({
            'name.required': 'Give the organization a name.',
            'name.minLength': 'The organization name needs at least 2 characters.',
            'name.maxLength': 'Keep the organization name under 120 characters.',
            'email.required': 'Pass --owner-email.',
            'email.email': 'The owner email is not a valid email address.',
            ...slugMessages,
          }),
        }
      )
    if (invalid) return this.fail(invalid.messages.map((m: { message: string }) => m.message))

    // A new owner account gets the web's password policy.
    if (!(await User.findBy('email', input.email))) {
      const [weak] = await vine
        .compile(vine.object({ email: vine.string(), password: newPassword() }))
        .tryValidate(
          { email: input.email, password: this.ownerPassword ?? '' },
          { messagesProvider: new SimpleMessagesProvider(PASSWORD_MESSAGES) }
        )
      if (weak) return this.fail(weak.messages.map((m: { message: string }) => m.message))
    }

    const result = await ProvisionOrganization.handle({
      name: input.name,
      slug: input.slug,
      ownerEmail: input.email,
      ownerPassword: this.ownerPassword ?? '',
      ownerName: input.owner_name,
    })
    switch (result.kind) {
      case 'created':
        this.logger.success(
          `Created "${result.org.name}" (slug ${result.org.slug}) owned by ${result.owner.email}${result.newOwner ? ' (new account)' : ''}`
        )
        this.logger.log(result.org.id)
        return
      case 'wrong_password':
        return this.fail([
          `An account with ${input.email} exists and the password does not match it.`,
        ])
      case 'owner_disabled':
        return this.fail([`The account ${input.email} is disabled.`])
      default: {
        const unhandled: never = result
        throw new Error(`Unhandled result ${JSON.stringify(unhandled)}`)
      }
    }
  }

  private fail(messages: string[]) {
    for (const message of messages) this.logger.error(message)
    this.exitCode = 1
  }
}
