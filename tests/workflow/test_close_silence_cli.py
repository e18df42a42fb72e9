"""`flask close-silence` settles every expired procedure and says what it did."""
from datetime import timedelta

from drafting.domain.states import SilenceStatus, Stage
from drafting.extensions import db
from drafting.models import Document, SilenceProcedure
from drafting.models.types import utcnow
from drafting.services import silence


def test_close_silence_settles_expired_procedures_once(runner, world):
    procedure = silence.start_silence(world.user("secretariat"), world.document,
                                      "2030-01-01T10:00", "Asia/Bangkok",
                                      now=utcnow() - timedelta(days=3))
    procedure.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = runner.invoke(args=["close-silence"])
    assert result.exit_code == 0, result.output
    assert f"Document #{world.document.id} 2022/TEST/1 “Test Statement”" in result.output
    assert "adopted; stage now “Agreed by senior officials”" in result.output
    assert "1 silence procedure(s) settled." in result.output
    db.session.expire_all()
    assert db.session.get(SilenceProcedure, procedure.id).status is SilenceStatus.ADOPTED
    assert db.session.get(Document, world.document.id).stage is Stage.AGREED_SOM
    again = runner.invoke(args=["close-silence"])
    assert again.exit_code == 0 and "nothing to do" in again.output
    verified = runner.invoke(args=["verify-audit"])
    assert verified.exit_code == 0 and "intact" in verified.output


def test_close_silence_leaves_running_procedures_alone(runner, world):
    silence.start_silence(world.user("secretariat"), world.document, "2099-01-01T10:00", "UTC")
    db.session.commit()
    result = runner.invoke(args=["close-silence"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    db.session.expire_all()
    assert db.session.get(Document, world.document.id).stage is Stage.SILENCE
