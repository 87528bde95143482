import router from '@adonisjs/core/services/router'
