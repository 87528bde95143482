import CertificateTemplateField from '#templates/models/certificate_template_field'
import {
  changeTemplateStatus,
  type TemplateStatusInput,
} from '#templates/actions/template_status_change'

/** Makes a draft template usable for issuing; refused without fields or while archived. */
export default class ActivateTemplate {
  static handle(input: TemplateStatusInput) {
    return changeTemplateStatus(input, async (template, trx) => {
      const fields = template.currentVersionId
        ? await CertificateTemplateField.query({ client: trx })
            .where('template_version_id', template.currentVersionId)
            .count('* as total')
        : [{ $extras: { total: 0 } }]
      return template.activate(Number(fields[0].$extras.total))
    })
  }
}
