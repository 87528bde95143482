import db from '@adonisjs/lucid/services/db'
import { randomUUID } from 'node:crypto'
import { dbTimestamp } from '#core/services/database_time'

type Tree = Record<
  string,
  {
    name: string
    categories: Record<string, { name: string; subcategories: Record<string, string> }>
  }
>

const EDTECH_SUBJECTS: Record<string, string> = {
  web_development: 'Web development',
  data_science: 'Data science',
  ai: 'Artificial intelligence',
  machine_learning: 'Machine learning',
  design: 'Design',
  cloud: 'Cloud computing',
  cybersecurity: 'Cybersecurity',
  mobile_development: 'Mobile development',
  digital_marketing: 'Digital marketing',
  business: 'Business & management',
}

/** The global taxonomy. Keys are stable; names may be refined by later seeds. */
export const TAXONOMY: Tree = {
  edtech: {
    name: 'Education & training',
    categories: {
      course_completion: { name: 'Course completion', subcategories: EDTECH_SUBJECTS },
      training: { name: 'Training', subcategories: EDTECH_SUBJECTS },
      participation: {
        name: 'Participation',
        subcategories: {
          hackathon: 'Hackathon',
          webinar: 'Webinar',
          competition: 'Competition',
          bootcamp: 'Bootcamp',
        },
      },
      achievement: {
        name: 'Achievement',
        subcategories: {
          merit: 'Merit',
          rank_holder: 'Rank holder',
          excellence: 'Excellence',
          scholarship: 'Scholarship',
        },
      },
      internship: { name: 'Internship', subcategories: EDTECH_SUBJECTS },
      workshop: { name: 'Workshop', subcategories: EDTECH_SUBJECTS },
    },
  },
  corporate: {
    name: 'Corporate',
    categories: {
      employee_recognition: {
        name: 'Employee recognition',
        subcategories: {
          employee_of_month: 'Employee of the month',
          long_service: 'Long service',
          appreciation: 'Appreciation',
        },
      },
      compliance_training: {
        name: 'Compliance training',
        subcategories: {
          posh: 'POSH awareness',
          data_privacy: 'Data privacy',
          safety: 'Workplace safety',
        },
      },
    },
  },
  events: {
    name: 'Events',
    categories: {
      attendance: {
        name: 'Attendance',
        subcategories: { conference: 'Conference', meetup: 'Meetup', seminar: 'Seminar' },
      },
      speaker: {
        name: 'Speaker',
        subcategories: { keynote: 'Keynote', panel: 'Panel', talk: 'Talk' },
      },
    },
  },
}

/**
 * Inserts missing global industries, categories and subcategories by key.
 * Idempotent: existing rows (and org overrides pointing at them) are kept.
 */
export default class SeedTaxonomy {
  static async handle() {
    const now = dbTimestamp()
    await db.transaction(async (trx) => {
      for (const [industryKey, industry] of Object.entries(TAXONOMY)) {
        let industryRow = await trx.from('industries').where('key', industryKey).first()
        if (!industryRow) {
          industryRow = { id: randomUUID() }
          await trx
            .table('industries')
            .insert({ id: industryRow.id, key: industryKey, name: industry.name, created_at: now })
        }
        let categoryOrder = 0
        for (const [categoryKey, category] of Object.entries(industry.categories)) {
          categoryOrder += 10
          let categoryRow = await trx
            .from('certificate_categories')
            .where({ industry_id: industryRow.id, key: categoryKey })
            .whereNull('organization_id')
            .first()
          if (!categoryRow) {
            categoryRow = { id: randomUUID() }
            await trx.table('certificate_categories').insert({
              id: categoryRow.id,
              industry_id: industryRow.id,
              organization_id: null,
              key: categoryKey,
              name: category.name,
              sort_order: categoryOrder,
              created_at: now,
            })
          }
          const existingRows = await trx
            .from('certificate_subcategories')
            .where('category_id', categoryRow.id)
            .whereNull('organization_id')
            .select('key')
          const existing = new Set(existingRows.map((row) => row.key))
          const missing = Object.entries(category.subcategories).filter(
            ([key]) => !existing.has(key)
          )
          if (missing.length) {
            await trx.table('certificate_subcategories').multiInsert(
              missing.map(([key, name], index) => ({
                id: randomUUID(),
                category_id: categoryRow.id,
                organization_id: null,
                key,
                name,
                sort_order: (index + 1) * 10,
                created_at: now,
              }))
            )
          }
        }
      }
    })
  }
}
