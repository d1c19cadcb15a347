# %% nbgrader={"grade": false, "grade_id": "imports", "locked": false, "schema_version": 3, "solution": false, "task": false}
#| default_exp core.widget
#| export
import numpy as np

# %% nbgrader={"grade": true, "grade_id": "test-widget", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
def test_unit_widget():
    assert np.zeros(2).sum() == 0

test_unit_widget()  # expect: TI001
demo_widget()  # expect: TI001
analyze_widget(  # expect: TI001
    1)

for size in (1, 2):  # expect: TI001
    test_unit_widget()

if __name__ == "__main__":
    test_unit_widget()
else:
    test_unit_widget()  # expect: TI001

if __name__ == "__main__" and not QUICK:
    test_unit_widget()


def helper():
    test_unit_widget()  # a call inside a function runs only when called


lambda: test_unit_widget()
