"""The demo trust's skills frameworks (PRODUCT.md §6.5, REFERENCE-DATA.md §4): the words of its statements,
the targets its job roles are given, the qualifications that exempt, and what would close a gap.

Written for the demo in SkillPass's own words. Each area is (name, description, statements by level), the
levels in order Foundation, Intermediate, Advanced, Super-user, every statement a yes/no sentence in the first
person.
"""
from __future__ import annotations

IT_FRAMEWORK = ("IT user skills",
                "Fifteen common computing techniques, after the e-skills passport: answer yes or no to each "
                "statement; your level in a technique is the highest one whose statements, and every one below "
                "it, you can say yes to.")

IT_AREAS = [
    ("Using a computer and files", "Signing in, finding your way around, and keeping files where you can find them.", (
        ("I can sign in to a trust computer with my own account and lock it when I step away.",
         "I can open, save and close a document."),
        ("I can make folders and move, copy and rename files.",
         "I can find a file I saved last week by searching for it.",
         "I can tell a shared drive from my own documents and choose where to save."),
        ("I can recover an earlier version of a file or one I deleted by mistake.",
         "I can compress a folder to send it and open a compressed folder someone sent me."),
        ("I can set up a folder structure for my team and agree how files are named.",
         "I can help a colleague whose computer is not behaving before calling the service desk."),
    )),
    ("Email", "Sending, answering and organising email, on a computer and on a phone.", (
        ("I can read, reply to and forward an email.",
         "I can attach a file to an email."),
        ("I can use copy (Cc) and blind copy (Bcc) correctly and know when to use each.",
         "I can file emails into folders and find an old message by searching.",
         "I can set an out-of-office reply."),
        ("I can send patient-identifiable information by the trust's secure email route.",
         "I can use rules to sort incoming email and a shared mailbox for my team."),
        ("I can set up a shared mailbox's folders, rules and templates for my team.",
         "I can show colleagues how to spot and report a phishing email."),
    )),
    ("Internet and searching", "Finding reliable information on the web and the trust's intranet.", (
        ("I can open a web address and use the back and forward buttons.",
         "I can search for a topic and open the results."),
        ("I can narrow a search with quotation marks or extra words to find what I need.",
         "I can bookmark pages I use often, such as trust policies on the intranet."),
        ("I can judge whether a health website is reliable and say why.",
         "I can search a library database such as the NHS Knowledge and Library Hub."),
        ("I can set up alerts for new guidance in my field.",
         "I can teach colleagues to check where information comes from before using it."),
    )),
    ("Word processing", "Writing letters, reports and forms.", (
        ("I can type a short document, correct mistakes and print it.",
         "I can make text bold, change its size and use bullet points."),
        ("I can use headings, page numbers and a table in a document.",
         "I can track changes and accept or reject a colleague's edits."),
        ("I can use styles and make a table of contents that updates itself.",
         "I can make a template letter with fields filled in from a list."),
        ("I can make an accessible document that a screen reader can follow.",
         "I can build a form others fill in on screen, with fields they cannot break."),
    )),
    ("Spreadsheets", "Keeping lists and figures and working with them.", (
        ("I can enter numbers and text into a spreadsheet and save it.",
         "I can sort a list by one column."),
        ("I can add up a column and work out an average with a formula.",
         "I can filter a list to show only the rows I need.",
         "I can make a simple chart from a table."),
        ("I can use conditional formatting to highlight values that need attention.",
         "I can summarise a large list with a pivot table."),
        ("I can look up values from another sheet (for example with XLOOKUP).",
         "I can build a spreadsheet others use safely, with locked cells and checked inputs."),
    )),
    ("Databases", "Finding and recording information in a database or a system built on one.", (
        ("I can search for a record and open it.",
         "I can add a new record and fill in the required fields."),
        ("I can sort and filter records to find a group, such as this week's appointments.",
         "I can export records to a spreadsheet."),
        ("I can build a query that combines conditions.",
         "I can spot duplicate or inconsistent records and report them."),
        ("I can design a simple database with tables linked to each other.",
         "I can write a report that others run every month."),
    )),
    ("Presentations", "Making and giving slide presentations.", (
        ("I can open a presentation and show it full screen.",
         "I can change the words on an existing slide."),
        ("I can make a short presentation with pictures, using the trust's template.",
         "I can add speaker notes and print handouts."),
        ("I can use slide masters so every slide is consistent.",
         "I can add a video or a chart and make the slides readable for everyone."),
        ("I can make a presentation that runs on its own, for a screen in a waiting area.",
         "I can coach colleagues to present clearly with fewer words on each slide."),
    )),
    ("Online safety and security", "Keeping yourself, patients and the trust safe online.", (
        ("I keep my password to myself and lock my screen when I leave it.",
         "I know how to report a suspicious email or a lost device."),
        ("I can make a strong password and use multi-factor authentication.",
         "I can tell a phishing email from a genuine one by its sender and links."),
        ("I can check a link or attachment safely before opening it.",
         "I can explain why we never plug in an unknown USB stick."),
        ("I can help my team respond to a security incident and record what happened.",
         "I can run a short security awareness session for my team."),
    )),
    ("Using the trust's clinical systems", "The electronic patient record and the systems around it.", (
        ("I can sign in to the electronic patient record with my smartcard.",
         "I can find a patient and read their notes and care plan."),
        ("I can record observations and care given, at the time or soon after.",
         "I can check and update a patient's task list or referral.",
         "I can record why a planned task did not happen."),
        ("I can run a ward or caseload list and use it to plan the day.",
         "I can correct an entry I made in error, following the trust's procedure."),
        ("I can show new staff how to use the record safely.",
         "I can report a problem with the system clearly so it can be fixed."),
    )),
    ("Video calls and online meetings", "Taking part in, and running, meetings on screen.", (
        ("I can join an online meeting from an invitation.",
         "I can turn my camera and microphone on and off."),
        ("I can share my screen and use the meeting chat.",
         "I can set up a meeting and invite colleagues."),
        ("I can run a video appointment with a patient following trust guidance.",
         "I can use breakout rooms or polls in a meeting."),
        ("I can host a large meeting or training session and manage who may speak.",
         "I can help a patient or carer get ready for a video appointment."),
    )),
    ("Collaboration and shared documents", "Working on the same documents with colleagues.", (
        ("I can open a document a colleague shared with me.",
         "I can add a comment to a shared document."),
        ("I can share a document with the right people and choose whether they can edit it.",
         "I can work on a document at the same time as a colleague."),
        ("I can set up a team site or channel and organise its files.",
         "I can see who changed a document and go back to an earlier version."),
        ("I can decide with my team where we keep what, and tidy it as we go.",
         "I can set permissions so sensitive files are seen only by those who need them."),
    )),
    ("Printing and scanning", "Paper in and out, including secure printing.", (
        ("I can print a document to the nearest printer.",
         "I can collect a secure print job with my card."),
        ("I can print double-sided, several pages to a sheet or only some pages.",
         "I can scan a letter and send it to my email."),
        ("I can scan a document into a patient's record and name it correctly.",
         "I can fix a simple printer problem such as a paper jam."),
        ("I can set up a new printer on a computer.",
         "I can help my team reduce printing by working on screen."),
    )),
    ("Digital images", "Photographs and pictures at work, with consent.", (
        ("I can take a clear photograph with a trust device.",
         "I can insert a picture into a document."),
        ("I can crop and resize a picture.",
         "I know when a patient's consent is needed for a photograph and how to record it."),
        ("I can store clinical photographs in the patient's record as trust policy says.",
         "I can make an image accessible with alternative text."),
        ("I can make a simple poster or leaflet that follows the trust's brand.",
         "I can advise colleagues on using images safely and lawfully."),
    )),
    ("Using a smartphone or tablet at work", "Trust phones and tablets, and the apps on them.", (
        ("I can unlock a trust phone or tablet and make a call.",
         "I can read my work email on a trust phone."),
        ("I can install an approved app from the trust's app store.",
         "I can use the phone's camera, calendar and maps for work."),
        ("I can use a tablet to record care at the bedside or on a home visit.",
         "I can keep a device updated and charged and report it if lost."),
        ("I can set up a new device for a colleague.",
         "I can help patients find and use an approved health app."),
    )),
    ("Data protection in practice", "Handling personal information lawfully and safely every day.", (
        ("I only look at records of people I am caring for.",
         "I keep printed patient information out of sight and dispose of it in confidential waste."),
        ("I can tell personal from sensitive information and handle each correctly.",
         "I can share information with another team safely, using the minimum needed."),
        ("I can recognise a data breach and report it within the trust's time limits.",
         "I can answer a patient who asks what we hold about them and whom to refer them to."),
        ("I can check a new process or form for data protection risks with the information governance team.",
         "I can teach my team the Caldicott principles with examples from our work."),
    )),
]

DCF_FRAMEWORK = ("Health and Care Digital Capabilities Framework",
                 "Six domains of digital capability for everyone in health and care; two statements at each level, "
                 "written for this trust.")

DCF_AREAS = [
    ("Communication, collaboration and participation", "Taking part and working with others online.", (
        ("I can send messages and join online meetings with colleagues.",
         "I communicate online with the same care and respect as face to face."),
        ("I choose the right way to reach someone: email, chat, a call or a meeting.",
         "I can work on shared documents with people in other teams."),
        ("I can lead an online discussion so that everyone can take part.",
         "I can use online tools to involve patients and carers in decisions."),
        ("I help my organisation choose how teams work together online.",
         "I support colleagues who find online working hard."),
    )),
    ("Handling information and data", "Finding, recording, using and protecting information.", (
        ("I can find the information I need in the systems I use.",
         "I record information accurately and keep it confidential."),
        ("I can check where information came from and whether it is up to date.",
         "I can organise information so colleagues can find it."),
        ("I can use data to understand how my service is doing.",
         "I can present figures so that others understand them."),
        ("I can help my team decide what data to collect and why.",
         "I can spot when data is being used unfairly or unsafely and raise it."),
    )),
    ("Learning and development", "Learning with digital tools and helping others learn.", (
        ("I can complete an e-learning course and keep its certificate.",
         "I can look up how to do something new on a computer."),
        ("I plan my own digital learning and record it.",
         "I can learn from online videos, podcasts or webinars."),
        ("I can help a colleague learn a digital skill.",
         "I can find and judge good online learning for my role."),
        ("I can design digital learning for others.",
         "I can champion digital learning in my team."),
    )),
    ("Identity, safety and wellbeing", "Staying safe and well in a digital workplace.", (
        ("I keep my passwords and smartcard safe.",
         "I take breaks from the screen and set up my workstation comfortably."),
        ("I manage what I share about myself online.",
         "I recognise online risks such as scams and report them."),
        ("I can help patients stay safe when using digital health services.",
         "I can balance being reachable online with my wellbeing."),
        ("I can shape how my team protects its digital wellbeing.",
         "I can advise others on their professional identity online."),
    )),
    ("Innovation and service improvement", "Using digital ideas to make care better.", (
        ("I am willing to try new digital ways of working.",
         "I can suggest a change that would make a task easier."),
        ("I can take part in testing a new system or process.",
         "I can share what works with my team."),
        ("I can lead a small digital improvement and measure its effect.",
         "I can involve patients in designing a digital change."),
        ("I can build a case for a digital change and see it through.",
         "I can help my organisation learn from digital projects."),
    )),
    ("Using technology", "Using devices, systems and software confidently.", (
        ("I can use a computer, a phone and the main systems of my role.",
         "I can ask for help when technology does not work."),
        ("I can solve common problems myself, such as reconnecting to Wi-Fi.",
         "I can adapt settings to suit how I work, such as text size."),
        ("I can choose the right tool for a task and use its advanced features.",
         "I can use assistive technology or help others use it."),
        ("I can help my organisation choose and introduce new technology.",
         "I can support colleagues to use technology confidently."),
    )),
]

# Targets per job role: (framework name, area name or "*" for every other area, minimum, maximum or None).
# 1 Foundation, 2 Intermediate, 3 Advanced, 4 Super-user. The first row naming an area wins.
_SUPPORT = [
    ("IT user skills", "Email", 2, None),
    ("IT user skills", "Using the trust's clinical systems", 2, None),
    ("IT user skills", "Data protection in practice", 2, None),
    ("IT user skills", "Online safety and security", 2, None),
    ("IT user skills", "Databases", 1, 2),
    ("IT user skills", "Using a smartphone or tablet at work", 1, 2),
    ("IT user skills", "*", 1, None),
    ("Health and Care Digital Capabilities Framework", "*", 1, None),
]
_EDUCATOR = [
    ("IT user skills", "Presentations", 3, None),
    ("IT user skills", "Video calls and online meetings", 3, None),
    ("IT user skills", "Collaboration and shared documents", 3, None),
    ("IT user skills", "*", 2, 3),
    ("Health and Care Digital Capabilities Framework", "Learning and development", 3, None),
    ("Health and Care Digital Capabilities Framework", "*", 2, 3),
]
ROLE_TARGETS = {
    "Therapy Support Worker": [("IT user skills", "Spreadsheets", 2, None)] + _SUPPORT,
    "Healthcare Assistant": [("IT user skills", "Digital images", 1, 2)] + _SUPPORT,
    "Rehabilitation Assistant": _SUPPORT,
    "Occupational Therapy Assistant": _SUPPORT,
    "Practice Educator": _EDUCATOR,
    "Clinical Educator": _EDUCATOR,
}

# Qualifications that exempt (IT user skills): (qualification, area, minimum level).
EXEMPTIONS = [
    ("ECDL module 2", "Using a computer and files", 1),
    ("ECDL module 3", "Word processing", 2),
    ("CLAiT Plus spreadsheets", "Spreadsheets", 2),
]
# A passport item (by its code) that exempts: the Core Skills information governance subject.
ITEM_EXEMPTIONS = [("CSTF-IG", "Data protection in practice", 2)]

# What would close a gap: a passport item (by title) or a course (title, address), for an area and level.
ITEM_ROUTES = [("Clinical systems access and training", "Using the trust's clinical systems", 1),
               ("Information Governance and Data Security", "Data protection in practice", 2)]
COURSE_ROUTES = [
    ("Spreadsheets: formulas, filters and charts (e-learning, 45 minutes)",
     "https://learning.example.org/courses/spreadsheets-intermediate", "Spreadsheets", 2),
    ("Secure email and shared mailboxes (e-learning, 20 minutes)",
     "https://learning.example.org/courses/secure-email", "Email", 3),
    ("Recording care in the electronic patient record: drop-in session",
     "https://intranet.example.org/digital-services/epr-drop-in", "Using the trust's clinical systems", 2),
    ("Making presentations people remember (half-day workshop)",
     "https://learning.example.org/courses/presentations", "Presentations", 1),
]
