"""The demo trust's reference data: its teams, the frameworks its passports follow (REFERENCE-DATA.md),
the names its fictional people are made from, and the certificates they upload."""
from __future__ import annotations

import datetime as dt

TEAMS = ["Physiotherapy", "Occupational Therapy", "Ward 7 (Elderly Care)"]

# The AHP support worker passport: the rows of the paper original
# (REFERENCE-DATA.md §1) and, marked as examples, trust-specific items.
# (section, title, description, corporate lead, frequency months, kind, prior learning, mandatory)
AHP_SECTIONS = [
    ("Onboarding (day one)", 0, "days"),
    ("Must complete within the first 2 weeks of joining the organisation", 2, "weeks"),
    ("Must complete within the first 6 months of joining the organisation", 6, "months"),
    ("Within the first year, then yearly", 12, "months"),
]
AHP_ITEMS = [
    (0, "Local induction", "Example trust item: a tour of the ward or department, fire exits, who is who, and where to find policies.",
     "Therapies", None, "learning", False, True),
    (0, "Clinical systems access and training", "Example trust item: signing in to the electronic patient record and recording care safely.",
     "Digital Services", None, "learning", True, True),
    (1, "Statutory and mandatory training", "", "Learning and Development", 12, "learning", True, True),
    (1, "Taking and recording vital signs", "Example trust item: competency observed by an educator — temperature, pulse, respirations, blood pressure, oxygen saturation, NEWS2.",
     "Therapies", None, "competency", False, True),
    (2, "Managing work and life stress",
     "To enable participants to recognise stresses in their lives and to develop ways of reducing, managing or eliminating stress",
     "Health and Wellbeing", None, "learning", True, True),
    (2, "Appraisal and Knowledge and Skills Framework for staff", "", "People and Organisational Development", None, "learning", True, True),
    (2, "Safe use of a hoist (observed practice)", "Example trust item: competency observed by an educator on the ward.",
     "Therapies", None, "competency", False, True),
    (3, "Annual appraisal", "Example trust item: a yearly appraisal conversation with your line manager.",
     "People and Organisational Development", 12, "learning", False, True),
    (2, "Falls prevention awareness", "Example trust item: optional learning for staff on wards with frail older people.",
     "Therapies", None, "learning", True, False),
]

# Core Skills Training Framework (REFERENCE-DATA.md §2): code, subject, refresher months, corporate lead.
CSTF_ITEMS = [
    ("CSTF-EDHR", "Equality, Diversity and Human Rights", 36, "People and Organisational Development"),
    ("CSTF-HSW", "Health, Safety and Welfare", 36, "Health and Safety"),
    ("CSTF-CR", "Conflict Resolution", 36, "Security Management"),
    ("CSTF-FIRE", "Fire Safety", 24, "Estates and Facilities"),
    ("CSTF-IPC2", "Infection Prevention and Control (level 2)", 12, "Infection Prevention and Control"),
    ("CSTF-IG", "Information Governance and Data Security", 12, "Information Governance"),
    ("CSTF-MH2", "Moving and Handling (level 2)", 24, "Manual Handling Service"),
    ("CSTF-PREV", "Preventing Radicalisation", 36, "Safeguarding"),
    ("CSTF-RESUS", "Resuscitation (level 2, adult basic life support)", 12, "Resuscitation Service"),
    ("CSTF-SGA", "Safeguarding Adults (level 2)", 36, "Safeguarding"),
    ("CSTF-SGC", "Safeguarding Children (level 2)", 36, "Safeguarding"),
]
# The national staff record's names each CSTF item answers to (PRODUCT.md §6.1): level and period are part of
# the name, so a Level 1 or a 1-year record fills none of these items unless its name is listed here.
CSTF_NATIONAL_NAMES = {
    "CSTF-EDHR": ["NHS|CSTF|Equality, Diversity and Human Rights - 3 Years|"],
    "CSTF-HSW": ["NHS|CSTF|Health, Safety and Welfare - 3 Years|"],
    "CSTF-CR": ["NHS|CSTF|Conflict Resolution - 3 Years|"],
    "CSTF-FIRE": ["NHS|CSTF|Fire Safety - 2 Years|"],
    "CSTF-IPC2": ["NHS|CSTF|Infection Prevention and Control - Level 2 - 1 Year|"],
    "CSTF-IG": ["NHS|CSTF|Information Governance and Data Security - 1 Year|"],
    "CSTF-MH2": ["NHS|CSTF|Moving and Handling - Level 2 - 2 Years|"],
    "CSTF-PREV": ["NHS|CSTF|Preventing Radicalisation - Basic Prevent Awareness - 3 Years|"],
    "CSTF-RESUS": ["NHS|CSTF|Resuscitation - Level 2 - Adult Basic Life Support - 1 Year|"],
    "CSTF-SGA": ["NHS|CSTF|Safeguarding Adults - Level 2 - 3 Years|"],
    "CSTF-SGC": ["NHS|CSTF|Safeguarding Children - Level 2 - 3 Years|"],
}

# The Care Certificate's 16 standards (REFERENCE-DATA.md §3): within 12 weeks, signed
# off standard by standard; those marked True need observed practice by an assessor.
CARE_CERTIFICATE_STANDARDS = [
    ("Understand your role", False), ("Your personal development", False), ("Duty of care", False),
    ("Equality, diversity, inclusion and human rights", False), ("Work in a person-centred way", True),
    ("Communication", True), ("Privacy and dignity", True), ("Fluids and nutrition", True),
    ("Awareness of mental health and dementia", False), ("Safeguarding adults", False),
    ("Safeguarding children", False), ("Basic life support", True), ("Health and safety", True),
    ("Handling information", False), ("Infection prevention and control", True),
    ("Awareness of learning disability and autism", False),
]

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran", "Leah",
    "Mohammed", "Niamh", "Oliver", "Precious", "Ravi", "Sophie", "Tomasz", "Uche", "Yasmin", "Zoe",
    "Aled", "Bethan", "Chidi", "Dylan", "Farah",
]
SURNAMES = [
    "Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fernandes", "Green", "Hussain", "Iqbal", "Jones",
    "Kowalski", "Lewis", "Mensah", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Singh", "Thomas",
    "Usman", "Walker", "Williams", "Young", "Zielinski", "Okafor", "Murphy",
]
JOB_ROLES = ["Therapy Support Worker", "Healthcare Assistant", "Rehabilitation Assistant", "Occupational Therapy Assistant"]
OTHER_EMPLOYERS = ["Leeds Teaching Hospitals NHS Trust", "Sheffield Children's NHS Foundation Trust",
                   "Care Certificate (previous employer)", "Bradford District Care NHS Foundation Trust"]
INFORMAL = [
    ("Shadowed the community falls team", "3", "Saw how home hazard assessments are done; will use the checklist on home visits."),
    ("Read the trust's pressure ulcer prevention policy", "1", "Learned the SSKIN bundle."),
    ("Dementia awareness webinar", "1.5", "Useful tips on communication with people living with dementia."),
    ("Attended the therapies team journal club", "1", ""),
]


# Qualifications (issue 17, PRODUCT.md §6.3): a small passport the Physiotherapy team holds.
# Basic life support: a full day, then a one-hour update every 12 months, with 3 months' grace.
QUALIFICATION = ("Basic life support and first aid",
                 "Resuscitation and first aid for clinical staff: a full day of basic life support, kept up by a "
                 "yearly one-hour update, and a first aid at work certificate.")
BLS = dict(title="Basic life support",
           description="Initial activity: Basic life support, full day (adult and paediatric basic life support, "
                       "choking, the recovery position and using a defibrillator).",
           refresher_title="BLS update, 1 hour",
           refresher_description="A one-hour practical update on a manikin: compressions, rescue breaths and the "
                                 "defibrillator, assessed by the resuscitation officer.",
           frequency_months=12, grace_months=3, corporate_lead="Resuscitation Service")
FIRST_AID = dict(title="First aid at work",
                 description="A first aid at work course. A certificate from an approved provider (St John "
                             "Ambulance, British Red Cross) counts until its own expiry, if that comes first.",
                 frequency_months=36, corporate_lead="Health and Safety")
# Each Physiotherapy colleague's basic life support, as (months before today, days before that, activity):
# one case of the chain rule each (the README's demo sign-ins name them).
BLS_HISTORIES = {
    "Amara Adeyemi": [(20, 0, "initial"), (9, 0, "refresher")],                   # refresher on time: Complete
    "Dev Walker": [(13, 10, "initial")],                                          # Expired · refresher due (grace)
    "Grace Patel": [(11, 0, "initial")],                                          # Expiring · refresher due
    "Jack Jones": [(17, 0, "initial")],                                           # full course needed
    "Mohammed Davies": [(30, 0, "initial"), (14, 0, "refresher"), (1, 0, "initial")],  # a refresher too late
    "Precious Zielinski": [(35, 0, "initial"), (22, 0, "refresher"), (9, 0, "refresher")],  # one within grace
    "Tomasz Singh": [(3, 0, "refresher")],                                        # a refresher with no initial
    "Zoe Mensah": [(4, 0, "initial")],
}
FIRST_AID_NOT_DONE = {"Chidi Green"}          # neither done: Overdue, and not meeting the qualification
BLS_ELSEWHERE = ["Leeds Teaching Hospitals NHS Trust", "Bradford District Care NHS Foundation Trust"]
# The demo learner's first aid certificate: a one-day course at St John Ambulance, valid for a year, expiring
# three weeks from today (earlier than the item's 36 months).
FIRST_AID_CERTIFICATE = dict(source="St John Ambulance", expires_in_days=21,
                             note="Emergency First Aid at Work (one day): the certificate is valid for one year.")
# Credit across passports: the Care Certificate's health and safety standard counts as the Core Skills subject.
CREDIT = dict(source="Standard 13: Health and safety", target_code="CSTF-HSW",
              note="Skills for Health's alignment: the Care Certificate standard meets the Core Skills Training "
                   "Framework subject's learning outcomes.")



def demo_certificate(name: str, title: str, on: dt.date, issuer: str) -> bytes:
    """A small, real one-page PDF certificate, written by hand (no PDF library needed)."""
    def text(value: str) -> str:
        return value.encode("latin-1", "replace").decode("latin-1").replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    lines = [(24, 720, "Certificate of completion"), (14, 670, text(title)), (12, 640, f"awarded to {text(name)}"),
             (12, 620, f"on {on.strftime('%d %B %Y')}"), (12, 600, f"by {text(issuer)}"),
             (9, 80, "Demonstration document made by SkillPass's demo data.")]
    stream = "".join(f"BT /F1 {size} Tf 72 {y} Td ({line}) Tj ET\n" for size, y, line in lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
