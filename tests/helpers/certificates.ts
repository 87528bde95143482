import type Organization from '#orgs/models/organization'
import CreateGenerationJob from '#certificates/actions/create_generation_job'
import GenerationJob from '#certificates/models/generation_job'
import { QueueWorker } from '#core/queue/worker'
import type { ExpiryChoice } from '#certificates/services/issuance_rows'
import { givenImport } from '#tests/helpers/imports'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import type { FieldInput } from '#templates/validators/template_fields'

/** A CSV recipient list of `count` people (names, emails, a course). */
export function recipientsCsv(
  count: number,
  options: { header?: string; row?: (i: number) => string } = {}
) {
  const lines = [options.header ?? 'Full Name,Email Address,Course']
  for (let i = 1; i <= count; i++)
    lines.push(options.row ? options.row(i) : `Learner ${i},learner${i}@example.com,Data Science`)
  return { bytes: new TextEncoder().encode(lines.join('\n')), name: `recipients-${count}.csv` }
}

export const NAME_COURSE_NUMBER_QR: FieldInput[] = [
  ...NAME_AND_QR,
  {
    key: 'course_name',
    type: 'text',
    x: 120,
    y: 310,
    width: 600,
    height: 30,
    font_size: 18,
    align: 'center',
  },
  {
    key: 'certificate_number',
    type: 'text',
    x: 60,
    y: 520,
    width: 300,
    height: 20,
    font_size: 10,
    align: 'left',
  },
  {
    key: 'issue_date',
    type: 'date',
    x: 480,
    y: 520,
    width: 200,
    height: 20,
    font_size: 10,
    align: 'right',
  },
]

/**
 * A job of `org` over a fresh list of `count` recipients and one template (or
 * the given ones), created and not yet run.
 */
export async function givenJob(
  org: Organization,
  options: {
    count?: number
    templates?: number
    start?: boolean
    expiry?: ExpiryChoice
    issueDate?: string
    fields?: FieldInput[]
  } = {}
) {
  const templateIds: string[] = []
  for (let i = 0; i < (options.templates ?? 1); i++) {
    const { template } = await givenTemplate(org, {
      name: `Template ${i + 1}`,
      fields: options.fields ?? NAME_COURSE_NUMBER_QR,
    })
    templateIds.push(template.id)
  }
  const list = await givenImport(org, recipientsCsv(options.count ?? 3))
  const result = await CreateGenerationJob.handle({
    org,
    templateIds,
    importId: list.id,
    issueDate: options.issueDate ?? '2026-03-15',
    expiry: options.expiry ?? { mode: 'none' },
    start: options.start ?? true,
    actorUserId: null,
  })
  if (result.kind !== 'created') throw new Error(`job not created: ${JSON.stringify(result)}`)
  return { job: result.job, templateIds, importJob: list }
}

/** Runs every claimable chunk to the end in this process, then reloads the job. */
export async function runJobs(jobId?: string) {
  await QueueWorker.drain({ lanes: 2 })
  return jobId ? GenerationJob.findOrFail(jobId) : null
}
