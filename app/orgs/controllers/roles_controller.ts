import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import RoleCatalogue from '#orgs/queries/role_catalogue'
import CreateRole from '#orgs/actions/create_role'
import UpdateRole from '#orgs/actions/update_role'
import DeleteRole from '#orgs/actions/delete_role'
import { roleValidator } from '#orgs/validators/role'
import { PERMISSIONS, type Permission } from '#orgs/policies/permissions'
import { flashFieldError, originOf } from '#orgs/controllers/form_support'

function permissionChoices(actorCan: (permission: Permission) => boolean) {
  return (Object.entries(PERMISSIONS) as [Permission, string][]).map(([key, description]) => ({
    key,
    description,
    grantable: actorCan(key),
  }))
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
    const { request, response, session, org, actor, bouncer } = ctx
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

    switch (result.kind) {
      case 'created':
        session.flash(
          'success',
          `Role "${result.role.name}" created. Give it to members from the members page.`
        )
        return response.redirect().toRoute('orgs.roles.index')
      case 'name_taken':
        flashFieldError(ctx, 'name', `${org.name} already has a role called "${input.name}".`)
        return back()
      case 'permissions_not_held':
        flashFieldError(
          ctx,
          'permissions',
          `You can only grant permissions you hold yourself (not: ${result.permissions.join(', ')}).`
        )
        return back()
      default:
        return unhandled(result)
    }
  }

  async edit({ view, org, actor, params, bouncer, response, session }: HttpContext) {
    await bouncer.authorize('allows', 'roles.manage')
    const role = await RoleCatalogue.find(org, params.id)
    if (role.isSystem) {
      session.flash('error', `"${role.name}" is a system role; its permissions are fixed.`)
      return response.redirect().toRoute('orgs.roles.index')
    }
    return view.render('pages/orgs/roles/edit', {
      role,
      choices: permissionChoices((p) => actor.can(p)),
      selected: await role.permissions(),
      nav: 'roles',
    })
  }

  async update(ctx: HttpContext) {
    const { request, response, session, org, actor, params, bouncer } = ctx
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

    switch (result.kind) {
      case 'updated':
        session.flash(
          'success',
          `Role "${result.role.name}" saved. Members with it have the new permissions on their next page.`
        )
        return response.redirect().toRoute('orgs.roles.index')
      case 'system_role':
        session.flash('error', `"${role.name}" is a system role; its permissions are fixed.`)
        return response.redirect().toRoute('orgs.roles.index')
      case 'name_taken':
        flashFieldError(ctx, 'name', `${org.name} already has a role called "${input.name}".`)
        return back()
      case 'permissions_not_held':
        flashFieldError(
          ctx,
          'permissions',
          `You can only change permissions you hold yourself (not: ${result.permissions.join(', ')}).`
        )
        return back()
      default:
        return unhandled(result)
    }
  }

  async destroy(ctx: HttpContext) {
    const { response, session, org, actor, params, bouncer } = ctx
    await bouncer.authorize('allows', 'roles.manage')
    const role = await RoleCatalogue.find(org, params.id)
    const result = await DeleteRole.handle({ org, actor, roleId: role.id, origin: originOf(ctx) })

    switch (result.kind) {
      case 'deleted':
        session.flash('success', `Role "${role.name}" deleted.`)
        break
      case 'system_role':
        session.flash('error', `"${role.name}" is a system role and cannot be deleted.`)
        break
      case 'in_use': {
        const uses = [
          result.members ? `${result.members} member${result.members === 1 ? '' : 's'}` : null,
          result.invitations
            ? `${result.invitations} pending invitation${result.invitations === 1 ? '' : 's'}`
            : null,
        ].filter(Boolean)
        session.flash(
          'error',
          `"${role.name}" is still used by ${uses.join(' and ')}. Give them another role (or revoke the invitations) first.`
        )
        break
      }
      case 'permissions_not_held':
        session.flash(
          'error',
          `Only someone holding all of its permissions can delete "${role.name}" (you lack: ${result.permissions.join(', ')}).`
        )
        break
      default:
        return unhandled(result)
    }
    return response.redirect().toRoute('orgs.roles.index')
  }
}
