import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import type { DatabaseQueryBuilderContract } from '@adonisjs/lucid/types/querybuilder'
import type Organization from '#orgs/models/organization'
import { dbTimestamp } from '#core/services/database_time'

export interface TrialStatus {
  onTrial: boolean
  endsAt: DateTime | null
  /** Whole days left, rounded up; 0 once the trial has ended. */
  daysLeft: number
  ended: boolean
  freeCertificates: number
}

export interface DashboardStatsResult {
  activeMembers: number
  pendingInvitations: number
  activeApiKeys: number
  /** Templates not archived. */
  templates: number
  trial: TrialStatus
  checklist: {
    designedTemplate: boolean
    addedRecipients: boolean
    invitedTeammate: boolean
    createdApiKey: boolean
    completedProfile: boolean
  }
  checklistDone: number
  checklistTotal: number
}

async function count(query: DatabaseQueryBuilderContract) {
  const rows = await query.count('* as total')
  return Number(rows[0]?.total ?? 0)
}

/** The dashboard's numbers for one org, all counted from real rows. */
export default class DashboardStats {
  static async for(org: Organization, now = DateTime.now()): Promise<DashboardStatsResult> {
    // Templates and imports are read by table here, not through their modules (which depend on
    // orgs, not the other way).
    const [
      activeMembers,
      pendingInvitations,
      activeApiKeys,
      templates,
      designedTemplates,
      readyImports,
    ] = await Promise.all([
      count(
        db
          .from('organization_members')
          .where('organization_id', org.id)
          .where('status', 'active')
          .whereNull('deleted_at')
      ),
      count(
        db
          .from('organization_invitations')
          .where('organization_id', org.id)
          .where('status', 'pending')
          .where('expires_at', '>', dbTimestamp(undefined, now))
      ),
      count(
        db.from('organization_api_keys').where('organization_id', org.id).whereNull('revoked_at')
      ),
      count(
        db
          .from('certificate_templates')
          .where('organization_id', org.id)
          .whereNot('status', 'archived')
      ),
      count(
        db
          .from('certificate_templates as t')
          .where('t.organization_id', org.id)
          .whereNot('t.status', 'archived')
          .whereExists((fields) =>
            fields
              .from('certificate_template_fields as f')
              .whereColumn('f.template_version_id', 't.current_version_id')
          )
      ),
      count(
        db
          .from('file_import_jobs')
          .where('organization_id', org.id)
          .where('status', 'ready')
          .where('valid_rows', '>', 0)
      ),
    ])

    const checklist = {
      designedTemplate: designedTemplates > 0,
      addedRecipients: readyImports > 0,
      invitedTeammate: activeMembers > 1,
      createdApiKey: activeApiKeys > 0,
      completedProfile: Boolean(
        org.businessName && org.addressLine1 && org.city && org.postalCode && org.gstin
      ),
    }

    return {
      activeMembers,
      pendingInvitations,
      activeApiKeys,
      templates,
      trial: DashboardStats.trial(org, now),
      checklist,
      checklistDone: Object.values(checklist).filter(Boolean).length,
      checklistTotal: Object.keys(checklist).length,
    }
  }

  static trial(org: Organization, now = DateTime.now()): TrialStatus {
    const endsAt = org.trialEndsAt
    const onTrial = org.billingStatus === 'trialing'
    const remaining = endsAt ? endsAt.diff(now, 'days').days : 0
    return {
      onTrial,
      endsAt,
      daysLeft: Math.max(0, Math.ceil(remaining)),
      ended: onTrial && (!endsAt || remaining <= 0),
      freeCertificates: org.trialFreeCertificates,
    }
  }
}
