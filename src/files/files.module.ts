import { Global, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { APP_CONFIG } from '../config/config';
import type { AppConfig } from '../config/config';
import { FileStore } from './file-store';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';
import { openFileStore } from './open-file-store';

/** Evidence files (issue 23): the store (Postgres by default, S3 by FILE_STORE_URL), the service and the routes. */
@Global()
@Module({
  controllers: [FilesController],
  providers: [
    {
      provide: FileStore,
      inject: [PG_POOL, APP_CONFIG],
      useFactory: (pool: Pool, config: AppConfig) => openFileStore(pool, config.fileStore),
    },
    FilesService,
  ],
  exports: [FilesService],
})
export class FilesModule {}

// what other slices inject from this one
export * from './files.service';
