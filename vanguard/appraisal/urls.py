"""URLs of the quantitative appraisal (填卡 · 评分 · 挂旗). Each part's views live in
their own module under `views/`: cards (填卡), cycles (评分: rubric, cycles, the grid,
results), board (挂旗: the flag board and the talks)."""

from vanguard.appraisal.views import board, cards, cycles

app_name = "appraisal"
urlpatterns = [
    *cards.urlpatterns,
    *cycles.urlpatterns,
    *board.urlpatterns,
]
