"""The data model of PRODUCT.md §2, one module per aggregate."""
from skillpass.models.audit import AuditEvent
from skillpass.models.calendar import CalendarFeed
from skillpass.models.credit import CreditMapping, CreditTarget
from skillpass.models.credentials import ImportedCredential, SigningKey, TrustedIssuer, VerifyLink
from skillpass.models.entries import Entry, EntryActivity, EntryMethod, EntryStatus, Evidence, InformalEntry
from skillpass.models.item_dates import (DateCountsBuilt, ItemDateCount, ItemDates, PassportDateCount, PassportDates,
                                        TrendMonth, TrendMonthBuilt, TrendMonthCount)
from skillpass.models.imports import ImportBatch, import_batch_entry
from skillpass.models.import_runs import ImportKind, ImportRun, ImportRunStatus
from skillpass.models.mail import LinkPurpose, Message, MessageStatus, OneTimeLink
from skillpass.models.notifications import EmailPreference
from skillpass.models.people import Person, Role, Team, educator_teams
from skillpass.models.print_jobs import PrintJob, PrintJobStatus
from skillpass.models.questionnaire import (
    OptionPassport,
    Question,
    QuestionAnswer,
    QuestionKind,
    QuestionOption,
    Recommendation,
    RecommendationKind,
    RecommendationStatus,
)
from skillpass.models.rules import AssignmentRule
from skillpass.models.security import SignInFailure
from skillpass.models.sessions import TrainingSession
from skillpass.models.skills import (
    ConfirmedLevel,
    SelfAssessedLevel,
    SelfAssessment,
    SelfAssessmentAnswer,
    SkillArea,
    SkillExemption,
    SkillLevel,
    SkillRoute,
    SkillsFramework,
    SkillStanding,
    SkillStatement,
    SkillTarget,
)
from skillpass.models.settings import DataVersion, Setting
from skillpass.models.submissions import FormSubmission
from skillpass.models.templates import (
    Assignment,
    AssignmentSource,
    Confirmation,
    EvidenceRule,
    Item,
    ItemKind,
    ItemName,
    OffsetUnit,
    PassportTemplate,
    Section,
    TemplateStatus,
)

__all__ = [
    "AuditEvent", "Assignment", "DataVersion", "AssignmentRule", "AssignmentSource", "Confirmation", "Entry", "EntryMethod", "EntryStatus", "Evidence",
    "EvidenceRule", "FormSubmission", "ImportBatch", "import_batch_entry", "ImportKind", "ImportRun", "ImportRunStatus", "InformalEntry", "PrintJob", "PrintJobStatus", "Item", "ItemKind", "ItemName", "OffsetUnit", "PassportTemplate", "Person", "Role",
    "Section", "Setting", "LinkPurpose", "Message", "MessageStatus", "OneTimeLink", "SignInFailure", "Team", "TemplateStatus", "TrainingSession", "educator_teams",
    "CalendarFeed",
    "EmailPreference",
    "ConfirmedLevel", "SelfAssessedLevel", "SelfAssessment", "SelfAssessmentAnswer", "SkillArea", "SkillExemption",
    "SkillLevel", "SkillRoute", "SkillsFramework", "SkillStanding", "SkillStatement", "SkillTarget",
    "CreditMapping", "CreditTarget", "EntryActivity",
    "OptionPassport", "Question", "QuestionAnswer", "QuestionKind", "QuestionOption", "Recommendation",
    "RecommendationKind", "RecommendationStatus",
    "ItemDates", "PassportDates", "TrendMonth", "TrendMonthBuilt", "TrendMonthCount",
    "ItemDateCount", "PassportDateCount", "DateCountsBuilt",
]
