from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])


def _new_password() -> PasswordField:
    return PasswordField("New password", validators=[
        DataRequired("Enter a new password"), Length(min=12, max=128, message="Use from 12 to 128 characters")])


def _confirm() -> PasswordField:
    return PasswordField("Confirm new password", validators=[
        DataRequired("Enter the new password again"), EqualTo("new_password", "The passwords do not match")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = _new_password()
    confirm = _confirm()


class ForgottenPasswordForm(FlaskForm):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address"),
                                                    Length(max=254, message="Enter an email address of up to 254 characters")])


class ChoosePasswordForm(FlaskForm):
    """A password chosen from an invitation's or a reset's one-time link: the same rules as changing it."""
    new_password = _new_password()
    confirm = _confirm()
