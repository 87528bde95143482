import { BaseCommand, args, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'

/**
 * node ace org:api-key acme --name="Moodle plugin"
 *
 * Creates an API key for the org and prints it alone on the last line. The
 * key is not stored and cannot be shown again.
 */
export default class OrgApiKey extends BaseCommand {
  static commandName = 'org:api-key'
  static description = 'Create an API key for an organization and print it (shown once)'
  static options: CommandOptions = { startApp: true }

  @args.string({ description: 'Organization slug' })
  declare slug: string

  @flags.string({ description: 'Key name, shown in the org settings', default: 'Command line key' })
  declare name: string

  async run() {
    // Imported here: ace loads command files to list them before the app boots.
    const { default: Organization } = await import('#orgs/models/organization')
    const { default: CreateApiKey } = await import('#orgs/actions/create_api_key')
    const slug = (this.slug ?? '').trim().toLowerCase()
    const org = await Organization.query().where('slug', slug).whereNull('deleted_at').first()
    if (!org) {
      this.logger.error(`No organization with the slug "${slug}".`)
      this.exitCode = 1
      return
    }
    const name = (this.name ?? '').trim().slice(0, 80) || 'Command line key'
    const { key, secret } = await CreateApiKey.handle({ org, name, createdBy: null, via: 'cli' })
    this.logger.success(
      `Created API key "${key.name}" (${key.prefix}…) for ${org.name}. It will not be shown again:`
    )
    this.logger.log(secret)
  }
}
