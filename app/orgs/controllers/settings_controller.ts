import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import Industry from '#orgs/models/industry'
import UpdateOrganizationSettings from '#orgs/actions/update_organization_settings'
import {
  COUNTRIES,
  certificateNumberPreview,
  organizationSettingsValidator,
} from '#orgs/validators/organization_settings'

export default class SettingsController {
  async edit({ org, bouncer, session, view }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const industries = await Industry.query().orderBy('name', 'asc')
    // After a failed save the form shows the submitted values; so does the preview.
    const old = (field: string, saved: string) => {
      const value = session.flashMessages.get(field)
      return typeof value === 'string' ? value : saved
    }
    return view.render('pages/orgs/settings/edit', {
      industries,
      countries: COUNTRIES,
      numberPreview: certificateNumberPreview(
        old('certificate_number_format', org.certificateNumberFormat),
        old('certificate_number_prefix', org.certificateNumberPrefix)
      ),
    })
  }

  async update({ org, actor, bouncer, request, response, session }: HttpContext) {
    await bouncer.authorize('allows', 'org.manage')
    const data = await request.validateUsing(organizationSettingsValidator, {
      meta: { organizationId: org.id },
    })
    const result = await UpdateOrganizationSettings.handle({
      org,
      actorUserId: actor.user.id,
      origin: { ip: request.ip(), userAgent: request.header('user-agent') },
      settings: {
        name: data.name,
        businessName: data.business_name ?? null,
        email: data.email ?? null,
        phone: data.phone ?? null,
        slug: data.slug,
        industryId: data.industry_id ?? null,
        addressLine1: data.address_line1 ?? null,
        addressLine2: data.address_line2 ?? null,
        city: data.city ?? null,
        state: data.state ?? null,
        postalCode: data.postal_code ?? null,
        country: data.country,
        gstin: data.gstin ?? null,
        certificateNumberPrefix: data.certificate_number_prefix,
        certificateNumberFormat: data.certificate_number_format,
        phoneDefaultCountry: data.phone_default_country ?? org.phoneDefaultCountry,
        dateOrder: data.date_order ?? org.dateOrder,
      },
    })
    switch (result.kind) {
      case 'updated':
        session.flash('success', 'Organization settings saved.')
        break
      case 'unchanged':
        session.flash('success', 'Nothing to change: the settings were already up to date.')
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.settings.edit')
  }
}
