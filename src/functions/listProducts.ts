import { app } from '@azure/functions';
import { handleListProducts } from '../orders/queries.js';

app.http('listProducts', { methods: ['GET'], route: 'products', authLevel: 'anonymous', handler: handleListProducts });
