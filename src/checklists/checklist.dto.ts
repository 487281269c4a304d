import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

import { ITEM_CODE, ITEM_MSG } from '../shared/patterns';

export class AnswerDto {
  @IsString() @Matches(ITEM_CODE, ITEM_MSG) itemCode: string;
  @IsBoolean() problemPresent: boolean;
  @IsOptional() @IsString() @MaxLength(4000) manifestation?: string;
}

export class AnswersDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => AnswerDto)
  answers: AnswerDto[];
}

export class EvidenceDto {
  @IsString() @IsNotEmpty() @MaxLength(4000) text: string;
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(500) fileRef?: string;
  /** ids of uploaded files (POST /api/v1/files): photos, scans, documents */
  @IsOptional() @IsArray() @ArrayMaxSize(10) @IsUUID('all', { each: true }) files?: string[];
}

export class RectificationDto {
  @ValidateNested() @Type(() => EvidenceDto) evidence: EvidenceDto;
}

export class VerificationDto {
  @IsIn(['passed', 'failed']) result: 'passed' | 'failed';
  @IsOptional() @IsString() @IsNotEmpty() @MaxLength(2000) reason?: string;
}
