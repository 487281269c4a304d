import { Global, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '../infra/tokens';
import { FileStore, PgFileStore } from './file-store';
import { FilesController } from './files.controller';
import { FilesService } from './files.service';

/** Evidence files (issue 23): the store (Postgres by default), the service and the upload/download routes. */
@Global()
@Module({
  controllers: [FilesController],
  providers: [{ provide: FileStore, inject: [PG_POOL], useFactory: (pool: Pool) => new PgFileStore(pool) }, FilesService],
  exports: [FilesService],
})
export class FilesModule {}
