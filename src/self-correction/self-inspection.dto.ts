import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { SUBJECT_TYPES } from '../domain';
import type { SubjectType } from '../domain';
import { CODE, CODE_MSG, DATE, DATE_MSG, ITEM_CODE, ITEM_MSG } from '../shared/patterns';

export class StartSelfInspectionDto {
  @IsUUID() subjectId: string;
}

export class ListProblemDto {
  @IsString() @Matches(ITEM_CODE, ITEM_MSG) itemCode: string;
  @IsString() @IsNotEmpty() @MaxLength(4000) description: string;
  @IsString() @IsNotEmpty() @MaxLength(4000) measure: string;
  @IsString() @Matches(DATE, DATE_MSG) deadline: string;
  @IsString() @IsNotEmpty() @MaxLength(100) responsible: string;
}

export class CommitmentDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @IsString() @Matches(DATE, DATE_MSG) date: string;
  /** the id of the uploaded scan of the signed page (POST /api/v1/files) */
  @IsOptional() @IsUUID() scan?: string;
}

export class AcceptDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000) comment?: string;
}

export class ReturnDto {
  @IsString() @IsNotEmpty() @MaxLength(2000) reason: string;
}

export class ListSelfInspectionsQuery {
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(SUBJECT_TYPES) type?: SubjectType;
  @IsOptional() @IsIn(['in-progress', 'submitted', 'returned', 'accepted']) status?: string;
  @IsOptional() @IsIn(['true', 'false']) late?: 'true' | 'false';
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
}
