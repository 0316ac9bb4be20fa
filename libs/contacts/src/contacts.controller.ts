import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, CurrentUser, type AuthUser } from '@parley/common';
import type { Contact } from '@parley/contract';
import type { Response } from 'express';
import { Contacts } from './contacts.service';
import { AddContactDto, ContactDto, ContactParams } from './dto';

@ApiTags('people')
@ApiBearerAuth()
@ApiErrors('unauthorized')
@Controller('contacts')
export class ContactsController {
  constructor(private readonly contacts: Contacts) {}

  @Get()
  @ApiOperation({ summary: "The caller's contacts, by username, each with their status" })
  @ApiOkResponse({ type: ContactDto, isArray: true })
  list(@CurrentUser() caller: AuthUser): Promise<Contact[]> {
    return this.contacts.list(caller.id);
  }

  @Post()
  @ApiOperation({
    summary: 'Add a contact by user id (idempotent; at most 1000)',
    description:
      "The caller's sockets watch the contact's status from now on. Yourself: validation_failed; an unknown or deleted user: not_found; " +
      'a user you blocked: conflict; a full list: conflict.',
  })
  @ApiCreatedResponse({ type: ContactDto, description: 'Added now' })
  @ApiOkResponse({ type: ContactDto, description: 'Already a contact' })
  @ApiErrors('validation_failed', 'not_found', 'conflict')
  async add(@CurrentUser() caller: AuthUser, @Body() body: AddContactDto, @Res({ passthrough: true }) response: Response): Promise<Contact> {
    const { contact, created } = await this.contacts.add(caller.id, body.userId);
    response.status(created ? 201 : 200);
    return contact;
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a contact (idempotent)' })
  @ApiNoContentResponse({ description: 'Not a contact (any more)' })
  @ApiErrors('validation_failed')
  async remove(@CurrentUser() caller: AuthUser, @Param() params: ContactParams): Promise<void> {
    await this.contacts.remove(caller.id, params.userId);
  }
}
