"""The questionnaire, the qualification inventory (PRODUCT.md §6.4).

``questions``: the admin's questions, their answers and the passports each answer recommends, and whether
people are asked at first sign-in. ``answers``: a person's answers (their own, or an admin's for them) and the
recommendations saving them makes. ``recommendations``: the approval queue, and a decision turning a
recommendation into an assignment made or ended through the assignment service (services/people.py).
"""
