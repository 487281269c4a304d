import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { SUBJECT_TYPES } from '../domain';
import type { SubjectType } from '../domain';

import { CODE, CODE_MSG, ITEM_CODE, ITEM_MSG } from '../shared/patterns';

export class ProblemsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(SUBJECT_TYPES) type?: SubjectType;
  @IsOptional() @IsString() @Matches(ITEM_CODE, ITEM_MSG) itemCode?: string;
  @IsOptional() @IsIn(['open', 'rectified', 'verified', 'overdue']) status?: string;
  @IsOptional() @IsIn(['self-correction', 'enforcement']) source?: string;
  @IsOptional() @IsUUID() subjectId?: string;
  @IsOptional() @IsIn(['deadline', '-deadline']) sort?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}

export class ProgressQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
}
