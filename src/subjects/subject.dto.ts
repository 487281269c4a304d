import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SUBJECT_TYPES } from '../domain';
import type { SubjectType } from '../domain';
import { INDUSTRY_IDS } from './subject.decider';
import type { Industry } from './subject.decider';

import { CODE, CODE_MSG } from '../shared/patterns';

export class PersonDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name: string;
  @IsOptional() @IsString() @MaxLength(30) phone?: string;
}

export class ContactDto {
  @IsOptional() @IsString() @MaxLength(100) name?: string;
  @IsOptional() @IsString() @MaxLength(30) phone?: string;
  @IsOptional() @IsString() @MaxLength(300) address?: string;
}

/** One subject as registered or imported (the campaign comes from the body or the import's query). */
export class SubjectFieldsDto {
  @IsIn(SUBJECT_TYPES) type: SubjectType;
  @IsString() @IsNotEmpty() @MaxLength(200) name: string;
  @IsString() @MaxLength(18) uscc: string;
  @IsString() @Matches(CODE, CODE_MSG) districtCode: string;
  @IsIn(INDUSTRY_IDS) industry: Industry;
  @IsObject() @ValidateNested() @Type(() => PersonDto) principal: PersonDto;
  @IsOptional() @ValidateNested() @Type(() => ContactDto) contact?: ContactDto;
}

export class RegisterSubjectDto extends SubjectFieldsDto {
  @IsUUID() campaignId: string;
}

export class AmendSubjectDto {
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(200) name?: string;
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) districtCode?: string;
  @IsOptional() @IsIn(INDUSTRY_IDS) industry?: Industry;
  @IsOptional() @ValidateNested() @Type(() => PersonDto) principal?: PersonDto;
  @IsOptional() @ValidateNested() @Type(() => ContactDto) contact?: ContactDto;
}

export class DeactivateSubjectDto {
  @IsString() @IsNotEmpty() @MaxLength(1000) reason: string;
}

export class ListSubjectsQuery {
  @IsOptional() @IsUUID() campaign?: string;
  @IsOptional() @IsString() @Matches(CODE, CODE_MSG) district?: string;
  @IsOptional() @IsIn(SUBJECT_TYPES) type?: SubjectType;
  @IsOptional() @IsIn(['true', 'false']) highRisk?: 'true' | 'false';
  @IsOptional() @IsIn(['true', 'false']) active?: 'true' | 'false';
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) q?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) offset?: number;
  /** keyset paging: the nextCursor of the page before */
  @IsOptional() @IsString() @MaxLength(2000) after?: string;
}

export class ImportQuery {
  @IsUUID() campaign: string;
  @IsOptional() @IsIn(['true', 'false']) dryRun?: 'true' | 'false';
}

export class TimelineQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}
