import type { HttpContext } from '@adonisjs/core/http'
import RoleCatalogue from '#orgs/queries/role_catalogue'
import CreateRole from '#orgs/actions/create_role'
import UpdateRole from '#orgs/actions/update_role'
import DeleteRole from '#orgs/actions/delete_role'
import { roleValidator } from '#orgs/validators/role'
import { PERMISSIONS, type Permission } from '#orgs/policies/permissions'
import { originOf } from '#core/http/origin'
import { flashFieldError, redirectWith } from '#core/http/forms'
import { handle } from '#core/http/outcomes'

function permissionChoices(actorCan: (permission: Permission) => boolean) {
  return (Object.entries(PERMISSIONS) as [Permission, string][]).map(([key, description]) => ({
    key,
    description,
    grantable: actorCan(key),
  }))
}

/** A role form's refusal, under its field, then back to the form. */
function refuse<T>(ctx: HttpContext, field: string, message: string, back: () => T) {
  flashFieldError(ctx, field, message)
  return back()
}

function notHeld(verb: 'grant' | 'change', permissions: string[]) {
  return `You can only ${verb} permissions you hold yourself (not: ${permissions.join(', ')}).`
}

export default class RolesController {
  async index({ view, org, bouncer }: HttpContext) {
    await bouncer.authorize('allows', 'roles.manage')
    const roles = await RoleCatalogue.for(org)
    return view.render('pages/orgs/roles/index', {
      roles,
      permissionLabels: PERMISSIONS,
      nav: 'roles',
    })
  }

  async create({ view, actor, bouncer }: HttpContext) {
    await bouncer.authorize('allows', 'roles.manage')
    return view.render('pages/orgs/roles/create', {
      choices: permissionChoices((p) => actor.can(p)),
      selected: [],
      nav: 'roles',
    })
  }

  async store(ctx: HttpContext) {
    const { request, response, org, actor, bouncer } = ctx
    await bouncer.authorize('allows', 'roles.manage')
    const input = await request.validateUsing(roleValidator)
    const result = await CreateRole.handle({
      org,
      actor,
      name: input.name,
      description: input.description ?? null,
      permissions: input.permissions ?? [],
      origin: originOf(ctx),
    })
    const back = () => response.redirect().toRoute('orgs.roles.create')
    return handle(result, {
      created: ({ role }) =>
        redirectWith(
          ctx,
          'success',
          `Role "${role.name}" created. Give it to members from the members page.`
        ).toRoute('orgs.roles.index'),
      name_taken: () =>
        refuse(ctx, 'name', `${org.name} already has a role called "${input.name}".`, back),
      permissions_not_held: ({ permissions }) =>
        refuse(ctx, 'permissions', notHeld('grant', permissions), back),
    })
  }

  async edit(ctx: HttpContext) {
    const { view, org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'roles.manage')
    const role = await RoleCatalogue.find(org, params.id)
    if (role.isSystem) {
      return redirectWith(
        ctx,
        'error',
        `"${role.name}" is a system role; its permissions are fixed.`
      ).toRoute('orgs.roles.index')
    }
    return view.render('pages/orgs/roles/edit', {
      role,
      choices: permissionChoices((p) => actor.can(p)),
      selected: await role.permissions(),
      nav: 'roles',
    })
  }

  async update(ctx: HttpContext) {
    const { request, response, org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'roles.manage')
    const role = await RoleCatalogue.find(org, params.id)
    const input = await request.validateUsing(roleValidator)
    const result = await UpdateRole.handle({
      org,
      actor,
      roleId: role.id,
      name: input.name,
      description: input.description ?? null,
      permissions: input.permissions ?? [],
      origin: originOf(ctx),
    })
    const back = () => response.redirect().toRoute('orgs.roles.edit', { id: role.id })
    return handle(result, {
      updated: (updated) =>
        redirectWith(
          ctx,
          'success',
          `Role "${updated.role.name}" saved. Members with it have the new permissions on their next page.`
        ).toRoute('orgs.roles.index'),
      system_role: () =>
        redirectWith(
          ctx,
          'error',
          `"${role.name}" is a system role; its permissions are fixed.`
        ).toRoute('orgs.roles.index'),
      name_taken: () =>
        refuse(ctx, 'name', `${org.name} already has a role called "${input.name}".`, back),
      permissions_not_held: ({ permissions }) =>
        refuse(ctx, 'permissions', notHeld('change', permissions), back),
    })
  }

  async destroy(ctx: HttpContext) {
    const { org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'roles.manage')
    const role = await RoleCatalogue.find(org, params.id)
    const result = await DeleteRole.handle({ org, actor, roleId: role.id, origin: originOf(ctx) })
    const done = (level: 'success' | 'error', message: string) =>
      redirectWith(ctx, level, message).toRoute('orgs.roles.index')
    return handle(result, {
      deleted: () => done('success', `Role "${role.name}" deleted.`),
      system_role: () => done('error', `"${role.name}" is a system role and cannot be deleted.`),
      in_use: ({ members, invitations }) => {
        const uses = [
          members ? `${members} member${members === 1 ? '' : 's'}` : null,
          invitations ? `${invitations} pending invitation${invitations === 1 ? '' : 's'}` : null,
        ].filter(Boolean)
        return done(
          'error',
          `"${role.name}" is still used by ${uses.join(' and ')}. Give them another role (or revoke the invitations) first.`
        )
      },
      permissions_not_held: ({ permissions }) =>
        done(
          'error',
          `Only someone holding all of its permissions can delete "${role.name}" (you lack: ${permissions.join(', ')}).`
        ),
    })
  }
}
