from accord.cli import run

run()
