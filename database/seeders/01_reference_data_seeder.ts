import { BaseSeeder } from '@adonisjs/lucid/seeders'
import SeedTaxonomy from '#orgs/actions/seed_taxonomy'

/** Global reference data (taxonomy). Safe to run on every start. */
export default class extends BaseSeeder {
  static environment = ['development', 'production', 'test']

  async run() {
    await SeedTaxonomy.handle()
  }
}
