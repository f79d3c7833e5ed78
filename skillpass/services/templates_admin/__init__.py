"""Passport templates, edited by admins: templates, sections and items.

Every change is validated (errors keyed by form field, so the form shows them
in place), audited with before and after, and made in the caller's
transaction. Nothing anyone recorded is ever lost: an item with entries is
archived, never deleted; a template is archived, never deleted; a section can
only be removed while it holds no items at all.
"""
from skillpass.services.templates_admin.editor import Block, EditorView, editor, item_change_impact, template_list
from skillpass.services.templates_admin.passports import (
    ArchivePlan,
    archive_plan,
    archive_template,
    copy_name,
    copy_template,
    create_template,
    publish,
    restore_template,
    update_template,
)
from skillpass.services.templates_admin.structure import (
    ITEM_FIELDS,
    MAX_FREQUENCY_MONTHS,
    MAX_GRACE_MONTHS,
    OFFSET_LIMITS,
    SECTION_FIELDS,
    STARTER_SECTIONS,
    ItemValues,
    SectionValues,
    add_item,
    add_section,
    check_item,
    check_section,
    has_entries,
    move_item,
    move_section,
    offset_of,
    position_of,
    remove_item,
    remove_section,
    restore_item,
    update_item,
    update_section,
)

__all__ = [
    "ArchivePlan",
    "Block",
    "EditorView",
    "ITEM_FIELDS",
    "ItemValues",
    "MAX_FREQUENCY_MONTHS",
    "MAX_GRACE_MONTHS",
    "OFFSET_LIMITS",
    "SECTION_FIELDS",
    "STARTER_SECTIONS",
    "SectionValues",
    "add_item",
    "add_section",
    "archive_plan",
    "archive_template",
    "check_item",
    "check_section",
    "copy_name",
    "copy_template",
    "create_template",
    "editor",
    "has_entries",
    "item_change_impact",
    "move_item",
    "move_section",
    "offset_of",
    "position_of",
    "publish",
    "remove_item",
    "remove_section",
    "restore_item",
    "restore_template",
    "template_list",
    "update_item",
    "update_section",
    "update_template",
]
