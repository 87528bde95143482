import { test } from '@japa/runner'
import testUtils from '@adonisjs/core/services/test_utils'
import db from '@adonisjs/lucid/services/db'
import { fitProblems, planGeneration } from '#certificates/queries/generation_plan'
import { givenOrg } from '#tests/helpers/given'
import { recipientsCsv } from '#tests/helpers/certificates'
import { NAME_AND_QR, givenTemplate } from '#tests/helpers/given_templates'
import { givenImport } from '#tests/helpers/imports'

/** A course field too narrow for long course names. */
const NARROW_COURSE = [
  ...NAME_AND_QR,
  {
    key: 'course_name',
    type: 'text' as const,
    x: 120,
    y: 330,
    width: 90,
    height: 12,
    font_size: 10,
  },
]

const LONG_A = 'Advanced Machine Learning and Applied Statistics for Industry Advanced'
const LONG_B = 'Comprehensive Professional Programme in Financial Accounting and Audit Practice'

test.group('Preflight: values that do not fit', (group) => {
  group.each.setup(() => testUtils.db().withGlobalTransaction())

  test('every row holding a value too long is counted; the first 50 are listed in row order, template by template', async ({
    assert,
  }) => {
    const { org } = await givenOrg()
    const { template: first } = await givenTemplate(org, { name: 'First', fields: NARROW_COURSE })
    const { template: second } = await givenTemplate(org, { name: 'Second', fields: NARROW_COURSE })
    const course = (i: number) => (i % 2 === 1 ? LONG_A : i % 4 === 0 ? LONG_B : 'Art')
    const list = await givenImport(
      org,
      recipientsCsv(60, { row: (i) => `Learner ${i},learner${i}@example.com,${course(i)}` })
    )
    const planned = await planGeneration(org, [first.id, second.id], list.id)
    assert.equal(planned.kind, 'ok')
    if (planned.kind !== 'ok') return

    const fit = await fitProblems(planned.plan)

    const rows = await db
      .from('file_import_rows')
      .where('import_job_id', list.id)
      .orderBy('row_index', 'asc')
      .select('row_index', 'data')
    const long = rows
      .map((row) => ({
        rowIndex: Number(row.row_index),
        value: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data).course_name,
      }))
      .filter((row) => row.value === LONG_A || row.value === LONG_B)
    assert.lengthOf(long, 45)
    assert.equal(fit.total, 90)
    const expected = ['First', 'Second']
      .flatMap((template) => long.map((row) => ({ ...row, template })))
      .slice(0, 50)
    assert.deepEqual(
      fit.problems.map(({ rowIndex, template, key, value, overflow }) => ({
        rowIndex,
        template,
        key,
        value,
        overflow,
      })),
      expected.map((row) => ({
        rowIndex: row.rowIndex,
        template: row.template,
        key: 'course_name',
        value: row.value,
        overflow: true,
      }))
    )
  }).timeout(60_000)
})
